/** The login form shown instead of the dashboard while ECS_GITOPS_API_TOKEN is set and no session exists: no script, no inline style. */
export function loginPage(refused: boolean): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><title>ecs-gitops: log in</title></head><body>',
    "<h1>ecs-gitops</h1>",
    refused ? '<p role="alert">That token is not the one this controller was started with.</p>' : "",
    '<form method="post" action="/login">',
    '<label>API token (ECS_GITOPS_API_TOKEN) <input type="password" name="token" autocomplete="current-password" required></label>',
    '<button type="submit">Log in</button>',
    "</form></body></html>",
    "",
  ].join("\n");
}
