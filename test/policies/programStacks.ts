// Moved to test/helpers/programStacks.ts; this file remains for test/components/delivery/deployPolicy.test.ts,
// which imports it from here. Remove it once that import names ../../helpers/programStacks.
export * from "../helpers/programStacks";
