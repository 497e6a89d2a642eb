-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "bounceType" TEXT,
ADD COLUMN     "discountCode" TEXT;

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "postalAddress" TEXT;

-- CreateTable
CREATE TABLE "ShopifyTask" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "doneAt" TIMESTAMP(3),

    CONSTRAINT "ShopifyTask_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ShopifyTask_status_nextAttemptAt_idx" ON "ShopifyTask"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "ShopifyTask_shopId_key_key" ON "ShopifyTask"("shopId", "key");

-- AddForeignKey
ALTER TABLE "ShopifyTask" ADD CONSTRAINT "ShopifyTask_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
