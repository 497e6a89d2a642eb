-- AlterTable
ALTER TABLE "FlowRun" ADD COLUMN     "windowRevenueMinor" BIGINT NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "FlowRun_shopId_profileId_enteredAt_idx" ON "FlowRun"("shopId", "profileId", "enteredAt");
