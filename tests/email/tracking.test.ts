import { trackingScenario } from "./tracking-scenario";

// Open pixel, click redirect and unsubscribe routes on the test file's own SQLite database (tests/setup/env.ts).
trackingScenario("SQLite");
