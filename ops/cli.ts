import { main } from "../preview/main";
import { defaultClients } from "./clients";
import { runOps } from "./commands";

/**
 * `npm run ops -- <command>`: model operations on a stack's resources (start and follow the
 * pipeline, approve or reject versions, verify and smoke-test the deployed endpoint, score a folder
 * in batch). Messages for
 * bad input and AWS errors are one line on stderr; see `runOps` and EXIT for the exit codes.
 */
main(() => runOps(process.argv.slice(2), { out: process.stdout, clients: defaultClients }));
