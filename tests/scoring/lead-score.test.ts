import { leadScoreScenario } from "./lead-score-scenario";

// SQLite: the per-file database tests/setup/env.ts made from the migrated template.
leadScoreScenario("SQLite");
