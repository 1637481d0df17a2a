import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/**
 * Note a secret this run used (a token, a password, a cookie): run.sh fails
 * the run if any of them shows up in the server's log.
 */
export function rememberSecret(secret: string) {
  const file = process.env.RUNG_E2E_SECRETS;
  if (file && secret.length >= 8) appendFileSync(file, secret + '\n');
}

/** Invite a candidate with the real CLI (`rung invite`); its last line is the link. */
export function inviteWithCli(name: string, quiz = 'standard'): string {
  const bin = process.env.RUNG_BIN;
  if (!bin) throw new Error('RUNG_BIN must point at the rung binary the server runs');
  const out = execFileSync(bin, ['invite', '--quiz', quiz, '--name', name], {
    env: process.env,
    encoding: 'utf8',
  });
  const lines = out.trim().split('\n');
  const link = lines[lines.length - 1];
  expect(link).toMatch(/\/take\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  rememberSecret(link.split('/').pop()!);
  // The CLI prints links with the server's public URL; tests use BASE_URL.
  return new URL(link).pathname;
}

/** Revoke an invitation with the real CLI (`rung invite revoke LINK`). */
export function revokeWithCli(link: string) {
  const bin = process.env.RUNG_BIN;
  if (!bin) throw new Error('RUNG_BIN must point at the rung binary the server runs');
  execFileSync(bin, ['invite', 'revoke', link], { env: process.env, encoding: 'utf8' });
}

/** Create a recruiter with the real CLI; its last line is the one-time password. */
export function addRecruiterWithCli(email: string, name: string): string {
  const bin = process.env.RUNG_BIN;
  if (!bin) throw new Error('RUNG_BIN must point at the rung binary the server runs');
  const out = execFileSync(bin, ['recruiter', 'add', '--email', email, '--name', name], {
    env: process.env,
    encoding: 'utf8',
  });
  const lines = out.trim().split('\n');
  rememberSecret(lines[lines.length - 1]);
  return lines[lines.length - 1];
}

/** Wait until the page is hydrated (clicks before that do nothing). */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ timeout: 30_000 });
}

export const admin = {
  email: process.env.RUNG_ADMIN_EMAIL ?? 'admin@rung.local',
  password: process.env.RUNG_ADMIN_PASSWORD ?? '',
};

/** Press Start (or Resume) on a link's landing page and wait for the live quiz. */
export async function startQuiz(page: Page) {
  await page.getByTestId('start').click();
  await expect(page).toHaveURL(/\/quiz$/);
  await hydrated(page);
}

/** Answer every question with its first option, checking each is saved. */
export async function answerAll(page: Page): Promise<number> {
  await expect(page.getByTestId('runner')).toBeVisible();
  const total = await page.locator('.palette .pip').count();
  expect(total).toBeGreaterThan(0);
  for (let i = 0; i < total; i++) {
    const question = page.getByTestId('question');
    await expect(question).toHaveAttribute('data-position', String(i));
    await question.getByTestId('option').first().click();
    await expect(page.getByTestId('save-note')).toHaveText('Saved');
    if (i + 1 < total) await page.getByTestId('next').click();
  }
  await expect(page.getByTestId('progress')).toHaveText(`${total} of ${total} answered`);
  return total;
}

/** axe-core finds no WCAG 2.2 A/AA violation on the page as it is now. */
export async function noViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(results.violations.map((v) => `${what}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}
