import { test, expect } from './fixtures';
import { addRecruiterWithCli, hydrated, rememberSecret } from './helpers';

test('a new recruiter replaces their one-time password before the console opens', async ({ page }) => {
  const email = `rec${Date.now()}@rung.local`;
  const oneTime = addRecruiterWithCli(email, 'Rita Recruiter');
  expect(oneTime.length).toBeGreaterThanOrEqual(20);

  await page.goto('/recruiter/login');
  await hydrated(page);
  await page.getByTestId('email').fill(email);
  await page.getByTestId('password').fill(oneTime);
  await page.getByTestId('sign-in').click();
  await expect(page).toHaveURL(/\/recruiter\/password$/);
  await expect(page.getByTestId('password-title')).toHaveText('Choose your password');
  await expect(page.getByTestId('password-forced')).toBeVisible();

  // The console sends them back here until the password is changed.
  await page.goto('/recruiter');
  await expect(page).toHaveURL(/\/recruiter\/password$/);
  await hydrated(page);

  rememberSecret('rain forest lantern copper');
  // A mistake is explained.
  await page.getByTestId('current-password').fill(oneTime);
  await page.getByTestId('new-password').fill('rain forest lantern copper');
  await page.getByTestId('confirm-password').fill('rain forest lantern cooper');
  await page.getByTestId('save-password').click();
  await expect(page.getByTestId('password-error')).toHaveText('The two new passwords differ.');
  await page.screenshot({ path: 'test-results/recruiter-password.png', fullPage: true });

  await page.getByTestId('confirm-password').fill('rain forest lantern copper');
  await page.getByTestId('save-password').click();
  await expect(page).toHaveURL(/\/recruiter$/);
  await expect(page.getByTestId('invite-name')).toBeVisible();

  // The one-time password is spent; the new one works.
  const fresh = await (await page.context().browser()!.newContext()).newPage();
  await fresh.goto('/recruiter/login');
  await hydrated(fresh);
  await fresh.getByTestId('email').fill(email);
  await fresh.getByTestId('password').fill(oneTime);
  await fresh.getByTestId('sign-in').click();
  await expect(fresh.getByTestId('login-error')).toHaveText('The email or password is incorrect.');
  await fresh.getByTestId('password').fill('rain forest lantern copper');
  await fresh.getByTestId('sign-in').click();
  await expect(fresh).toHaveURL(/\/recruiter$/);
});
