// npm run db:generate (also postinstall): derive prisma/<provider>/schema.prisma from prisma/models.prisma
// and generate both clients. Offline and database-free. `--check` only verifies the committed schemas.
import path from "node:path";
import { schemaPath, staleSchemas, writeSchemas } from "../../app/db/schema-files";
import { generateClients, prismaDir, root } from "./prisma-cli";

async function main(args: string[]): Promise<number> {
  if (args.includes("--check")) {
    const stale = await staleSchemas(prismaDir);
    if (stale.length === 0) {
      console.log("db:generate --check: prisma/*/schema.prisma match prisma/models.prisma");
      return 0;
    }
    const files = stale.map((provider) => path.relative(root, schemaPath(prismaDir, provider))).join(", ");
    console.error(
      `db:generate --check: ${files} differ from what prisma/models.prisma produces.\n` +
        "Run `npm run db:generate` (and `npm run db:migration -- <name>` if the models changed), then commit.",
    );
    return 1;
  }
  const written = await writeSchemas(prismaDir);
  if (written.length > 0) console.log(`db:generate: wrote ${written.map((p) => `prisma/${p}/schema.prisma`).join(", ")}`);
  await generateClients();
  console.log("db:generate: Prisma clients generated for sqlite and postgresql (app/generated/prisma)");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
