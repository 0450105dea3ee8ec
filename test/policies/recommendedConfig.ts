// Moved to test/helpers/recommendedConfig.ts; this file remains for
// test/components/delivery/modelApprovalDispatch.test.ts, which imports it from here. Remove it once
// that import names ../../helpers/recommendedConfig.
export * from "../helpers/recommendedConfig";
