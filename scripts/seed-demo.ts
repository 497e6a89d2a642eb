import { seedDemoShop } from "../app/demo/seed.server";
import { createPrismaClient } from "../app/db/client.server";

const db = createPrismaClient(process.env.DATABASE_URL ?? "file:./data/app.db");
try {
  const { shop, created } = await seedDemoShop(db);
  console.log(created ? `Seeded ${shop.name} (${shop.domain}).` : `${shop.name} is already seeded.`);
} finally {
  await db.$disconnect();
}
