import { test, expect } from './fixtures';
import { hydrated, inviteWithCli, noViolations, startQuiz } from './helpers';

test('with JavaScript, keyboard only: move, answer, flag, submit; focus follows; axe passes', async ({ page }) => {
  const link = inviteWithCli(`Keyboard ${Date.now()}`);
  await page.goto(link);
  await hydrated(page);
  await noViolations(page, 'landing');
  await page.getByTestId('start').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/quiz$/);
  await hydrated(page);
  await noViolations(page, 'question');

  // Choose with the keyboard: focus the first option, Space selects it.
  await page.getByTestId('option').first().locator('input').focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('save-note')).toHaveText('Saved');
  // Next, by keyboard: focus lands on the new question's heading.
  await page.getByTestId('next').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('question')).toHaveAttribute('data-position', '1');
  await expect(page.locator('#question-heading')).toBeFocused();
  // Flag it, by keyboard.
  await page.getByTestId('flag').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('flag')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.palette .pip').nth(1)).toHaveClass(/flagged/);
  // The palette jumps, by keyboard.
  await page.locator('.palette .pip').nth(0).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('question')).toHaveAttribute('data-position', '0');
  await expect(page.getByTestId('option').first().locator('input')).toBeChecked();
  await noViolations(page, 'question after moves');

  await page.getByTestId('submit').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('confirm-submit')).toBeVisible();
  await noViolations(page, 'confirm dialog');
  await page.getByTestId('confirm-submit').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('thank-you')).toContainText('You answered 1 of');
  await noViolations(page, 'thank-you');
});

test('the flag survives a reload with JavaScript', async ({ page }) => {
  const link = inviteWithCli(`Flagger ${Date.now()}`);
  await page.goto(link);
  await hydrated(page);
  await startQuiz(page);
  await page.getByTestId('flag').click();
  await expect(page.getByTestId('flag')).toHaveAttribute('aria-pressed', 'true');
  // Wait for the server to have it (the request is in flight otherwise).
  await page.waitForLoadState('networkidle');
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('flag')).toHaveAttribute('aria-pressed', 'true');
});
