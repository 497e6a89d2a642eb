-- CreateTable
CREATE TABLE "AttributionRecompute" (
    "shopId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "rule" TEXT NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "afterPlacedAt" TIMESTAMP(3),
    "afterOrderId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "AttributionRecompute_pkey" PRIMARY KEY ("shopId")
);

-- AddForeignKey
ALTER TABLE "AttributionRecompute" ADD CONSTRAINT "AttributionRecompute_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
