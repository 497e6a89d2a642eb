-- AlterTable
ALTER TABLE "Profile" ADD COLUMN "leadScoreAt" DATETIME;
ALTER TABLE "Profile" ADD COLUMN "leadScoreState" JSONB;

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "crmWebhookUrl" TEXT;
ALTER TABLE "ShopSettings" ADD COLUMN "leadScoring" JSONB;
ALTER TABLE "ShopSettings" ADD COLUMN "salesReadyTag" TEXT;

-- CreateTable
CREATE TABLE "LeadScoreChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "eventId" TEXT,
    "at" DATETIME NOT NULL,
    "reason" TEXT NOT NULL,
    "points" REAL NOT NULL,
    "score" REAL NOT NULL,
    "crossed" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LeadScoreChange_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "LeadScoreChange_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "Profile" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "LeadScoreChange_shopId_profileId_at_idx" ON "LeadScoreChange"("shopId", "profileId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "LeadScoreChange_shopId_key_key" ON "LeadScoreChange"("shopId", "key");
