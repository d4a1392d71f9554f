// A tmux server of the test's own (its own socket, so tests never touch a user's tmux) and waiting on what one
// of its sessions shows: the real terminal the interactive tests type into.
import { execa } from 'execa';

export interface TmuxSession {
  /** Runs `tmux -L <server> …`; never throws. */
  tmux(...args: string[]): ReturnType<typeof execa>;
  /** The session's screen now, wrapped lines joined. */
  screen(): Promise<string>;
  /** Resolves with the screen once it shows `text`; fails after `timeoutMs` showing what was there. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
}

export function tmuxSession(server: string, session: string): TmuxSession {
  const tmux = (...args: string[]) => execa('tmux', ['-L', server, ...args], { reject: false });
  const screen = async () => String((await tmux('capture-pane', '-p', '-J', '-t', session)).stdout);
  return {
    tmux,
    screen,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await screen();
        if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${String(text)}; the screen shows:\n${last}`);
    },
  };
}
