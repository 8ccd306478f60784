/** The smallest valid manifest the loader tests and the load benchmark build on. */
export const MINIMAL_TASK_DEFINITION = [
  "apiVersion: ecs-gitops/v1",
  "kind: TaskDefinition",
  "metadata:",
  "  name: web",
  "spec:",
  "  containerDefinitions:",
  "    - name: web",
  "      image: nginx",
  "      memory: 128",
  "",
].join("\n");
