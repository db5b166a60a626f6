export { asGovernance } from "../../scripts/lib/impersonate";
