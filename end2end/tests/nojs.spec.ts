import { test, expect, Page } from './fixtures';
import { inviteWithCli, noViolations as axeClean } from './helpers';

// The whole quiz in a browser with JavaScript disabled: plain forms only.
test.use({ javaScriptEnabled: false });

// axe runs as JavaScript in the page, which this context has turned off:
// the page's server-rendered HTML (scripts removed) is checked in a page
// of a JavaScript-enabled context at the same origin, with the same CSS.
let checker: Page | undefined;
async function noViolations(page: Page, what: string) {
  const html = (await page.content()).replace(/<script[\s\S]*?<\/script>/gi, '');
  if (!checker) {
    checker = await (await page.context().browser()!.newContext({ javaScriptEnabled: true })).newPage();
  }
  await checker.goto('/healthz');
  await checker.setContent(html, { waitUntil: 'load' });
  await axeClean(checker, what);
}

test.afterAll(async () => {
  await checker?.context().close();
  checker = undefined;
});

test('a candidate takes the whole quiz with JavaScript off, and every page passes axe', async ({ page }) => {
  const link = inviteWithCli(`No script ${Date.now()}`);
  const token = link.split('/').pop()!;
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));

  await page.goto(link);
  await expect(page.getByTestId('quiz-title')).toHaveText('Security engineering: standard');
  await noViolations(page, 'landing');
  await page.getByTestId('start').click();
  await expect(page).toHaveURL(/\/quiz$/);
  await expect(page.getByTestId('countdown')).toHaveText(/^2[45]:\d\d$/);
  await noViolations(page, 'question');

  const total = await page.locator('.palette .pip').count();
  expect(total).toBeGreaterThan(0);
  for (let i = 0; i < total; i++) {
    const question = page.getByTestId('question');
    await expect(question).toHaveAttribute('data-position', String(i));
    await question.getByTestId('option').first().click();
    if (i === 1) {
      // Flag the second question for review: it stays, marked.
      await page.getByTestId('flag').click();
      await expect(page.getByTestId('flag')).toHaveAttribute('aria-pressed', 'true');
      await expect(page.locator('.palette .pip').nth(1)).toHaveClass(/flagged/);
    }
    if (i + 1 < total) {
      await page.getByTestId('next').click();
      await expect(page).toHaveURL(new RegExp(`/quiz\\?q=${i + 2}$`));
    }
  }
  // Submit… saves the last choice and asks first.
  await page.getByTestId('submit').click();
  await expect(page).toHaveURL(/\/quiz\/submit$/);
  await expect(page.getByTestId('confirm-page')).toContainText('You have answered every question.');
  await expect(page.getByTestId('confirm-page')).toContainText('1 flagged for review');
  await noViolations(page, 'confirm');
  // Keep working goes back to the flagged question: answers and the flag
  // are the server's, not the page's.
  await page.getByRole('link', { name: 'Keep working' }).click();
  await expect(page).toHaveURL(/\/quiz\?q=2$/);
  await expect(page.getByTestId('option').first().locator('input')).toBeChecked();
  await expect(page.getByTestId('flag')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('progress')).toHaveText(`${total} of ${total} answered`);
  await page.getByTestId('submit').click();
  await expect(page).toHaveURL(/\/quiz\/submit$/);
  await page.getByTestId('confirm-submit').click();
  await expect(page).toHaveURL(/\/quiz\/done$/);
  await expect(page.getByTestId('thank-you')).toContainText(`You answered ${total} of ${total} questions.`);
  await noViolations(page, 'thank-you');

  // After Start, the token was in no URL the browser asked for.
  const start = urls.findIndex((u) => u.endsWith('/take/start'));
  expect(start).toBeGreaterThan(-1);
  expect(urls.slice(start).filter((u) => u.includes(token))).toEqual([]);

  await page.goto(link);
  await expect(page.getByTestId('already-done')).toBeVisible();
  await noViolations(page, 'already-done');
});

test('a bad link explains itself without JavaScript', async ({ page }) => {
  await page.goto('/take/not-a-token');
  await expect(page.getByTestId('error')).toContainText('This link does not work');
  await noViolations(page, 'bad link');
  await page.goto('/quiz');
  await expect(page.getByTestId('no-session')).toContainText('not open in this browser');
  await noViolations(page, 'no session');
});
