/**
 * Runs `round` until stopped: straight on while it reports more work, else after `idleMs`. A failed round is
 * logged and retried later; stop() waits for the round in progress.
 */
export function startLoop(name: string, round: () => Promise<boolean>, idleMs: number) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = round()
      .catch((error) => {
        console.error(`${name}: round failed`, error);
        return false;
      })
      .then((more) => {
        if (!stopped) timer = setTimeout(tick, more ? 0 : idleMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
