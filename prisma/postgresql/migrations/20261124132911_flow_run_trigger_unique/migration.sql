/*
  Warnings:

  - A unique constraint covering the columns `[flowId,profileId,triggerEventId]` on the table `FlowRun` will be added. If there are existing duplicate values, this will fail.

*/
-- CreateIndex
CREATE UNIQUE INDEX "FlowRun_flowId_profileId_triggerEventId_key" ON "FlowRun"("flowId", "profileId", "triggerEventId");
