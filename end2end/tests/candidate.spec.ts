import { test, expect } from './fixtures';
import { answerAll, hydrated, inviteWithCli, revokeWithCli, startQuiz } from './helpers';

test('a candidate takes the quiz from the link to the thank-you page', async ({ page }) => {
  const link = inviteWithCli(`Candidate ${Date.now()}`);
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByTestId('quiz-title')).toHaveText('Security engineering: standard');
  await expect(page.getByTestId('duration')).toHaveText('25 minutes');

  // Start exchanges the link for a session: the token is in no URL now.
  await startQuiz(page);
  await expect(page.getByTestId('runner')).toBeVisible();
  await expect(page.getByTestId('countdown')).toHaveText(/^2[45]:\d\d$/);

  const total = await answerAll(page);
  await page.screenshot({ path: 'test-results/candidate-quiz.png', fullPage: true });

  await page.getByTestId('submit').click();
  await page.getByTestId('confirm-submit').click();
  const thanks = page.getByTestId('thank-you');
  await expect(thanks).toBeVisible();
  await expect(thanks).toContainText(`You answered ${total} of ${total} questions.`);
  await expect(page).toHaveURL(/\/quiz\/done$/);

  // The link cannot reopen the quiz.
  await page.goto(link);
  await expect(page.getByTestId('already-done')).toBeVisible();
});

test('a reload resumes the same questions with the saved answers and a running clock', async ({ page }) => {
  const link = inviteWithCli(`Resumer ${Date.now()}`);
  await page.goto(link);
  await hydrated(page);
  await startQuiz(page);
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
  await startQuiz(page);
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

test('the link opened in a second browser resumes the same attempt; revoking stops both', async ({ page, browser }) => {
  const link = inviteWithCli(`Two devices ${Date.now()}`);
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(link);
  await hydrated(page);
  await startQuiz(page);
  const question = page.getByTestId('question');
  const prompt = await question.locator('.prompt').innerText();
  await question.getByTestId('option').nth(2).click();
  await expect(page.getByTestId('save-note')).toHaveText('Saved');

  // Another device: same link, Resume, same attempt with the saved answer.
  const other = await (await browser.newContext()).newPage();
  await other.goto(link);
  await hydrated(other);
  await expect(other.getByTestId('start')).toHaveText('Resume the quiz');
  await startQuiz(other);
  const again = other.getByTestId('question');
  await expect(again.locator('.prompt')).toHaveText(prompt);
  await expect(again.getByTestId('option').nth(2).locator('input')).toBeChecked();

  // The token appears in no URL after the landing page.
  const token = link.split('/').pop()!;
  const after = urls.filter((u) => !u.endsWith(link));
  expect(after.filter((u) => u.includes(token))).toEqual([]);

  // The recruiter revokes the invitation with the CLI: both stop at once.
  revokeWithCli(link);
  for (const p of [page, other]) {
    await p.reload();
    await expect(p.getByTestId('no-session')).toContainText('withdrawn');
  }
  await other.goto(link);
  await expect(other.getByTestId('error')).toContainText('This link does not work');
});
