-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_FlowRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "flowId" TEXT NOT NULL,
    "flowVersionId" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'waiting',
    "stepId" TEXT,
    "state" JSONB NOT NULL,
    "holdout" BOOLEAN NOT NULL DEFAULT false,
    "windowRevenueMinor" BIGINT NOT NULL DEFAULT 0,
    "triggerEventId" TEXT,
    "enteredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextRunAt" DATETIME,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "exitReason" TEXT,
    "completedAt" DATETIME,
    CONSTRAINT "FlowRun_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "FlowRun_flowId_fkey" FOREIGN KEY ("flowId") REFERENCES "Flow" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "FlowRun_flowVersionId_fkey" FOREIGN KEY ("flowVersionId") REFERENCES "FlowVersion" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "FlowRun_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "Profile" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_FlowRun" ("completedAt", "enteredAt", "exitReason", "flowId", "flowVersionId", "holdout", "id", "leaseOwner", "leaseUntil", "nextRunAt", "profileId", "shopId", "state", "status", "stepId", "triggerEventId") SELECT "completedAt", "enteredAt", "exitReason", "flowId", "flowVersionId", "holdout", "id", "leaseOwner", "leaseUntil", "nextRunAt", "profileId", "shopId", "state", "status", "stepId", "triggerEventId" FROM "FlowRun";
DROP TABLE "FlowRun";
ALTER TABLE "new_FlowRun" RENAME TO "FlowRun";
CREATE INDEX "FlowRun_status_nextRunAt_idx" ON "FlowRun"("status", "nextRunAt");
CREATE INDEX "FlowRun_shopId_flowId_profileId_idx" ON "FlowRun"("shopId", "flowId", "profileId");
CREATE INDEX "FlowRun_shopId_profileId_enteredAt_idx" ON "FlowRun"("shopId", "profileId", "enteredAt");
CREATE UNIQUE INDEX "FlowRun_flowId_profileId_triggerEventId_key" ON "FlowRun"("flowId", "profileId", "triggerEventId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
