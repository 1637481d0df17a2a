import { test, expect } from './fixtures';
import { admin, answerAll, hydrated, startQuiz } from './helpers';

test('a wrong password is refused without saying which part was wrong', async ({ page }) => {
  await page.goto('/recruiter/login');
  await hydrated(page);
  await page.getByTestId('email').fill(admin.email);
  await page.getByTestId('password').fill('not the password');
  await page.getByTestId('sign-in').click();
  await expect(page.getByTestId('login-error')).toHaveText('The email or password is incorrect.');
});

test('a recruiter invites a candidate and sees their score', async ({ page, browser }) => {
  await page.goto('/recruiter');
  // Not signed in: sent to the sign-in page.
  await expect(page).toHaveURL(/\/recruiter\/login$/);
  await hydrated(page);
  await page.getByTestId('email').fill(admin.email);
  await page.getByTestId('password').fill(admin.password);
  await page.getByTestId('sign-in').click();
  await expect(page).toHaveURL(/\/recruiter$/);
  await hydrated(page);

  const name = `Grace ${Date.now()}`;
  await page.getByTestId('invite-name').fill(name);
  await page.getByTestId('invite').click();
  const link = await page.getByTestId('invitation-link').inputValue();
  expect(link).toContain('/take/');

  const row = page.getByTestId('attempt-row').filter({ hasText: name });
  await expect(row.getByTestId('status')).toHaveText('Invited');

  // The candidate, in a browser context of their own.
  const candidate = await (await browser.newContext()).newPage();
  await candidate.goto(new URL(link).pathname);
  await hydrated(candidate);
  await startQuiz(candidate);
  const total = await answerAll(candidate);
  await candidate.getByTestId('submit').click();
  await candidate.getByTestId('confirm-submit').click();
  await expect(candidate.getByTestId('thank-you')).toBeVisible();

  await page.reload();
  await hydrated(page);
  await expect(row.getByTestId('status')).toHaveText('Submitted');
  await expect(row.getByTestId('score')).toHaveText(new RegExp(`^\\d+\\.\\d / ${total} \\(\\d+%\\)$`));
  await expect(row.getByTestId('verdict')).toHaveText(/^(below 1|[1-4]\+?) \(\d+%/);
  await page.screenshot({ path: 'test-results/recruiter-console.png', fullPage: true });

  // The report: the verdict sentence, the breakdowns, every answer reviewed.
  await row.getByRole('link', { name }).click();
  await expect(page.getByTestId('report-name')).toHaveText(name);
  await expect(page.getByTestId('verdict')).toContainText(/(Works at level [1-4]( or above)?|Not yet at level 1) \(\d+% likely/);
  // The report says what a quiz can and cannot see on the ladder.
  await expect(page.getByTestId('what-it-measures')).toContainText('security knowledge and threat fluency');
  await expect(page.getByTestId('what-it-measures')).toContainText('level 4 or above');
  await expect(page.getByTestId('review-item')).toHaveCount(total);
  await page.screenshot({ path: 'test-results/recruiter-report.png', fullPage: true });

  await page.getByRole('link', { name: 'Item analysis' }).click();
  await expect(page.getByTestId('reliability')).toContainText('standard');
});
