import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bench/results/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": ["error", { selector: "TSEnumDeclaration", message: "Use string-literal unions, not enums." }],
    },
  },
  {
    // Only src/aws may talk to the SDK (docs/design.md#layout).
    files: ["src/**/*.ts"],
    ignores: ["src/aws/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@aws-sdk/*"], message: "Only src/aws imports the AWS SDK." }] }],
    },
  },
);
