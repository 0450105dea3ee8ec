import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME, policies } from "./pack";

/**
 * The pack `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`
 * runs. Enforcement levels and settings per stack live in the config files; every rule's default
 * is in its own file. The rules and their order are in `pack.ts`.
 */
new PolicyPack(PACK_NAME, {
  description: PACK_DESCRIPTION,
  policies,
});
