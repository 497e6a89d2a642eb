import { resendScenario } from "./resend-scenario";

// Resend's delivery webhooks on the test file's own SQLite database (tests/setup/env.ts).
resendScenario("SQLite");
