// Prisma's schema engine as WebAssembly (docs/decisions/001-offline-prisma-tooling.md): the CLI's
// native engine cannot be downloaded on our machines, this package comes from npm.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine, SchemaContainer } from "@prisma/schema-engine-wasm/schema_engine_bg";

export type { SchemaEngine, SchemaContainer };

let loading: Promise<void> | undefined;

/** Instantiates the .wasm once per process, without Node's experimental wasm-module imports. */
function loadWasm(): Promise<void> {
  loading ??= (async () => {
    const glue = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(path.join(path.dirname(glue), "schema_engine_bg.wasm"));
    const imports: WebAssembly.ModuleImports = { ...bindings };
    // The engine never clears its timers (e.g. a 10 s lock timeout on PostgreSQL): unref them so a
    // finished command does not keep Node alive. Pending database I/O still does.
    for (const name of Object.keys(imports).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
      imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
    }
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": imports });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return loading;
}

/** Runs `work` with an engine connected through `adapterFactory`, always freeing it afterwards. */
export async function withSchemaEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schemaFiles: SchemaContainer[],
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadWasm();
  const log = (line: string) => {
    if (process.env.DEBUG_SCHEMA_ENGINE) console.error(line);
  };
  const connections = trackConnections(adapterFactory);
  try {
    let engine: SchemaEngine;
    try {
      engine = await bindings.SchemaEngine.new(
        { datamodels: schemaFiles.map((file): [string, string] => [file.path, file.content]) },
        log,
        bindMigrationAwareSqlAdapterFactory(connections.factory),
      );
    } catch (error) {
      throw engineError("could not start the schema engine", error);
    }
    try {
      return await work(engine);
    } catch (error) {
      throw engineError("schema engine", error);
    } finally {
      engine.free();
    }
  } finally {
    await connections.disposeAll();
  }
}

/**
 * Freeing the engine does not dispose its main connection: left open, a SQLite file stays locked
 * and a pg pool keeps the process alive. Disposal is made idempotent, as the engine may do it too.
 */
function trackConnections(factory: SqlMigrationAwareDriverAdapterFactory) {
  const open = new Set<SqlDriverAdapter>();
  const track = async (connecting: Promise<SqlDriverAdapter>) => {
    const adapter = await connecting;
    const dispose = adapter.dispose.bind(adapter);
    let disposing: Promise<void> | undefined;
    open.add(adapter);
    adapter.dispose = () => {
      open.delete(adapter);
      disposing ??= dispose();
      return disposing;
    };
    return adapter;
  };
  return {
    factory: {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: () => track(factory.connect()),
      connectToShadowDb: () => track(factory.connectToShadowDb()),
    } satisfies SqlMigrationAwareDriverAdapterFactory,
    disposeAll: async () => {
      await Promise.all([...open].map((adapter) => adapter.dispose()));
    },
  };
}

/** The engine rejects with Errors (name SchemaConnectorError, sometimes a P-code); anything else is wrapped. */
function engineError(context: string, error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(`${context}: ${typeof error === "string" ? error : JSON.stringify(error)}`);
}
