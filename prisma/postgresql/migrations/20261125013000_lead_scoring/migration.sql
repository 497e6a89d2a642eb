-- AlterTable
ALTER TABLE "Profile" ADD COLUMN     "leadScoreAt" TIMESTAMP(3),
ADD COLUMN     "leadScoreState" JSONB;

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "crmWebhookUrl" TEXT,
ADD COLUMN     "leadScoring" JSONB,
ADD COLUMN     "salesReadyTag" TEXT;

-- CreateTable
CREATE TABLE "LeadScoreChange" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "eventId" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "points" DOUBLE PRECISION NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "crossed" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LeadScoreChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LeadScoreChange_shopId_profileId_at_idx" ON "LeadScoreChange"("shopId", "profileId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "LeadScoreChange_shopId_key_key" ON "LeadScoreChange"("shopId", "key");

-- AddForeignKey
ALTER TABLE "LeadScoreChange" ADD CONSTRAINT "LeadScoreChange_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LeadScoreChange" ADD CONSTRAINT "LeadScoreChange_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "Profile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
