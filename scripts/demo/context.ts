import type { CorpusDeployment } from "../../deploy/deploy-corpus";
import type { NamedAccounts } from "../lib/accounts";
import type { Story } from "../lib/story";

/** What each chapter of the demo gets: the deployment, the cast, and the story to tell. */
export interface DemoContext {
  deployment: CorpusDeployment;
  accounts: NamedAccounts;
  story: Story;
}
