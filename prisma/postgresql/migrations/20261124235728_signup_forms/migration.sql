-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "requireDoubleOptIn" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "signupConfirmHours" INTEGER NOT NULL DEFAULT 48;

-- CreateTable
CREATE TABLE "SignupForm" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "formKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SignupForm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignupFormDay" (
    "shopId" TEXT NOT NULL,
    "formKey" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "views" INTEGER NOT NULL DEFAULT 0,
    "submissions" INTEGER NOT NULL DEFAULT 0,
    "confirmations" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SignupFormDay_pkey" PRIMARY KEY ("shopId","formKey","day")
);

-- CreateTable
CREATE TABLE "PendingSignup" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "firstName" TEXT,
    "formKey" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'en',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "confirmedAt" TIMESTAMP(3),
    "emailStatus" TEXT NOT NULL DEFAULT 'queued',
    "emailAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextEmailAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "emailLeaseUntil" TIMESTAMP(3),
    "emailError" TEXT,

    CONSTRAINT "PendingSignup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SignupForm_shopId_formKey_key" ON "SignupForm"("shopId", "formKey");

-- CreateIndex
CREATE INDEX "PendingSignup_emailStatus_nextEmailAt_idx" ON "PendingSignup"("emailStatus", "nextEmailAt");

-- CreateIndex
CREATE UNIQUE INDEX "PendingSignup_shopId_email_formKey_key" ON "PendingSignup"("shopId", "email", "formKey");

-- AddForeignKey
ALTER TABLE "SignupForm" ADD CONSTRAINT "SignupForm_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignupFormDay" ADD CONSTRAINT "SignupFormDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PendingSignup" ADD CONSTRAINT "PendingSignup_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
