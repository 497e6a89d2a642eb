import { monthScenario } from "./month-scenario";

// The demo's simulated month on the test file's own SQLite database (tests/setup/env.ts).
monthScenario("SQLite");
