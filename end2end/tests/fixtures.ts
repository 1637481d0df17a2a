import { test as base, expect, ConsoleMessage, BrowserContext } from '@playwright/test';
import { rememberSecret } from './helpers';

/**
 * Every spec's `test`: the browser contexts it uses (the default one and any
 * it opens itself) are watched for Content-Security-Policy violations, which
 * Chromium reports on the console, and the test fails if there was one.
 * Their cookies at the end are noted as secrets (see `rememberSecret`).
 */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      const contexts: BrowserContext[] = [context];
      const watch = (ctx: BrowserContext) => {
        const onPage = (page: { on: (e: 'console', f: (m: ConsoleMessage) => void) => void }) =>
          page.on('console', (msg: ConsoleMessage) => {
            const text = msg.text();
            if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/.test(text)) {
              violations.push(text);
            }
          });
        ctx.pages().forEach(onPage);
        ctx.on('page', onPage);
      };
      watch(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...args: Parameters<typeof browser.newContext>) => {
        const ctx = await newContext(...args);
        watch(ctx);
        contexts.push(ctx);
        return ctx;
      };
      await use();
      browser.newContext = newContext;
      // The session cookies this test held are secrets the log must not show.
      for (const ctx of contexts) {
        try {
          for (const c of await ctx.cookies()) rememberSecret(c.value);
        } catch {
          // A context the test closed itself.
        }
      }
      expect(violations, 'CSP violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Page } from '@playwright/test';
