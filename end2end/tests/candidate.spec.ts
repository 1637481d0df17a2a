import { test, expect } from '@playwright/test';
import { answerAll, hydrated, inviteWithCli } from './helpers';

test('a candidate takes the quiz from the link to the thank-you page', async ({ page }) => {
  const link = inviteWithCli(`Candidate ${Date.now()}`);
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByTestId('quiz-title')).toHaveText('Security engineering: standard');
  await expect(page.getByTestId('duration')).toHaveText('25 minutes');

  await page.getByTestId('start').click();
  await expect(page.getByTestId('runner')).toBeVisible();
  await expect(page.getByTestId('countdown')).toHaveText(/^2[45]:\d\d$/);

  const total = await answerAll(page);
  await page.screenshot({ path: 'test-results/candidate-quiz.png', fullPage: true });

  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  const thanks = page.getByTestId('thank-you');
  await expect(thanks).toBeVisible();
  await expect(thanks).toContainText(`You answered ${total} of ${total} questions.`);

  // The link cannot reopen the quiz.
  await page.goto(link);
  await expect(page.getByTestId('already-done')).toBeVisible();
});

test('a reload resumes the same questions with the saved answers and a running clock', async ({ page }) => {
  const link = inviteWithCli(`Resumer ${Date.now()}`);
  await page.goto(link);
  await hydrated(page);
  await page.getByTestId('start').click();
  const first = page.getByTestId('question');
  await expect(first).toBeVisible();
  const prompt = await first.locator('.prompt').innerText();
  await first.getByTestId('option').nth(1).click();
  await expect(page.getByTestId('save-note')).toHaveText('Saved');

  await page.reload();
  await hydrated(page);
  // The attempt resumes by itself: same first question, same answer kept.
  const again = page.getByTestId('question');
  await expect(again.locator('.prompt')).toHaveText(prompt);
  await expect(again.getByTestId('option').nth(1).locator('input')).toBeChecked();
  await expect(page.getByTestId('progress')).toHaveText(/^1 of \d+ answered$/);
});

test('when the countdown reaches zero the answers are submitted for the candidate', async ({ page }) => {
  const link = inviteWithCli(`Clockwatcher ${Date.now()}`);
  // Control the page's clock (timers and performance.now) from the start.
  await page.clock.install();
  await page.goto(link);
  await hydrated(page);
  await page.getByTestId('start').click();
  const question = page.getByTestId('question');
  await expect(question).toBeVisible();
  await question.getByTestId('option').first().click();
  await expect(page.getByTestId('save-note')).toHaveText('Saved');
  // Twenty-five minutes pass on the page: the clock reads 0:00 and the
  // quiz submits itself; the saved answer counts.
  await page.clock.fastForward('25:01');
  const thanks = page.getByTestId('thank-you');
  await expect(thanks).toBeVisible();
  await expect(thanks).toContainText('You answered 1 of');
});
