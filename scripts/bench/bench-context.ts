import type { CorpusDeployment } from "../../deploy/deploy-corpus";
import type { NamedAccounts } from "../lib/accounts";
import type { GasMeter } from "./gas-meter";

/** What every group of benchmarked operations gets: a fresh deployment, the accounts, and the meter. */
export interface BenchContext {
  meter: GasMeter;
  deployment: CorpusDeployment;
  accounts: NamedAccounts;
}
