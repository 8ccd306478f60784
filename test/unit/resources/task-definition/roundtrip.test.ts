import { describe, expect, it } from "vitest";
import { diffValues } from "../../../../src/diff/structural.js";
import type { JsonObject } from "../../../../src/json.js";
import { normalizeTaskDefinition } from "../../../../src/resources/task-definition/normalize.js";
import { planTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import { manifestOf, planContext } from "../builders.js";
import { liveFixture } from "./helpers.js";

/*
 * Each real response shape next to the manifest a user would write for it: the request as sent
 * (console-sent fields such as portMappings[].name stay, they are the user's), but none of what
 * AWS adds (essential, cpu 0, protocol, hostPort, empty lists, health-check timings, rootDirectory
 * with an access point, enableFaultInjection …), lists in another order, and units where the
 * user may write them.
 */
const awslogs = (group: string, region: string, extra: JsonObject = {}): JsonObject => ({
  logDriver: "awslogs",
  options: { "awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": "ecs", ...extra },
});

const ROUND_TRIPS: { fixture: string; family: string; spec: JsonObject; labels?: Record<string, string> }[] = [
  {
    fixture: "td-awscli-hello-world-8-2024.json",
    family: "hello_world",
    spec: {
      containerDefinitions: [
        {
          name: "wordpress",
          image: "wordpress",
          cpu: 10,
          memory: 500,
          links: ["mysql"],
          portMappings: [{ containerPort: 80, hostPort: 80 }],
        },
        { name: "mysql", image: "mysql", cpu: 10, memory: 500, environment: [{ name: "MYSQL_ROOT_PASSWORD", value: "password" }] },
      ],
    },
  },
  {
    fixture: "td-console-fargate-2023.json",
    family: "hiringcandidate-command",
    spec: {
      taskRoleArn: "arn:aws:iam::939645320583:role/ecsTaskExecutionRole",
      executionRoleArn: "arn:aws:iam::939645320583:role/ecsTaskExecutionRole",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "1 vCPU",
      memory: "2 GB",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: [
        {
          name: "hiringcandidate-command",
          image: "939645320583.dkr.ecr.sa-east-1.amazonaws.com/hiringcandidate.command",
          portMappings: [{ name: "hiringcandidate-command-80-tcp", containerPort: 80, appProtocol: "http" }],
          logConfiguration: awslogs("/ecs/", "sa-east-1", { "awslogs-create-group": "true" }),
          healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/health?param1=1&param2=2 || exit 1"] },
        },
      ],
    },
  },
  {
    fixture: "td-awscli-sleep360-register.json",
    family: "sleep360",
    spec: { containerDefinitions: [{ name: "sleep", image: "busybox", cpu: 10, command: ["sleep", "360"], memory: 10 }] },
  },
  {
    fixture: "td-console-efs-gitlab-2024.json",
    family: "pj-ihi-gitlab-task-definition",
    spec: {
      taskRoleArn: "arn:aws:iam::XXXXXXXXXXXX:role/ecsTaskRole",
      executionRoleArn: "arn:aws:iam::XXXXXXXXXXXX:role/ecsTaskExecutionRole",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: 2048,
      memory: "6 GB",
      runtimePlatform: { cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" },
      volumes: ["data", "config", "logs"].map((name) => ({
        name,
        efsVolumeConfiguration: { fileSystemId: "fs-081385191350fbfdf", rootDirectory: `/srv/gitlab/${name}` },
      })),
      containerDefinitions: [
        {
          name: "gitlab",
          image: "gitlab/gitlab-ce:latest",
          portMappings: [{ name: "ecs-port", containerPort: 80, appProtocol: "http" }],
          environment: [
            { name: "GITLAB_OMNIBUS_CONFIG", value: "external_url 'http://XXXXXXXXXXXX.ap-northeast-1.elb.amazonaws.com'" },
            { name: "GITLAB_ROOT_EMAIL", value: "XXXXXXXXXXXX@gmail.com" },
            { name: "GITLAB_ROOT_PASSWORD", value: "XXXXXXXXXXXX" },
          ],
          mountPoints: [
            { sourceVolume: "data", containerPath: "/var/opt/gitlab", readOnly: false },
            { sourceVolume: "config", containerPath: "/etc/gitlab", readOnly: false },
            { sourceVolume: "logs", containerPath: "/var/log/gitlab", readOnly: false },
          ],
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": "/ecs/pj-ihi-gitlab-task-definition",
              "awslogs-region": "ap-northeast-1",
              "awslogs-stream-prefix": "ecs",
              "awslogs-create-group": "true",
              mode: "non-blocking",
              "max-buffer-size": "25m",
            },
          },
        },
      ],
    },
  },
  {
    fixture: "td-console-nulls-efs-accesspoint-2021.json",
    family: "myapp-container-batch-On-Demand",
    spec: {
      executionRoleArn: "arn:aws:iam::XXXXXX:role/ecsTaskExecutionRole",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "1 vcpu",
      memory: "2GB",
      volumes: ["h2", "resource"].map((name) => ({
        name,
        // With an access point rootDirectory must not be sent; AWS then reports "/" (TD-15).
        efsVolumeConfiguration: {
          fileSystemId: "XXXXXXX",
          transitEncryption: "ENABLED",
          authorizationConfig: { accessPointId: "fsap-XXXXXXX", iam: "DISABLED" },
        },
      })),
      containerDefinitions: [
        {
          name: "myapp-container-batch",
          image: "XXXXXX.dkr.ecr.ap-northeast-1.amazonaws.com/nablarch-conainer-batch-example:myapp-container-batch",
          command: ["-diConfig", "classpath:batch-boot.xml", "-requestPath", "SampleBatch", "-userId", "batch_user"],
          environment: ["OUTPUT", "INPUT", "FORMAT"].map((what) => ({
            name: `NABLARCH_FILEPATHSETTING_BASEPATHSETTINGS_${what}`,
            value: `file:/var/nablarch/${what.toLowerCase()}`,
          })),
          mountPoints: [
            { containerPath: "/var", sourceVolume: "resource", readOnly: false },
            { containerPath: "/h2", sourceVolume: "h2" },
          ],
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": "/ecs/myapp-container-batch", "awslogs-region": "ap-northeast-1", "awslogs-stream-prefix": "ecs" },
          },
        },
      ],
    },
  },
  {
    fixture: "td-console-wordpress-efs-secrets-2025.json",
    family: "wordpress-convenio",
    spec: {
      executionRoleArn: "arn:aws:iam::414131675413:role/ecsTaskExecutionRole",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "1024",
      memory: "3 GB",
      runtimePlatform: { cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" },
      volumes: [
        {
          name: "Wordpress-convenio",
          efsVolumeConfiguration: {
            fileSystemId: "fs-0b146aa6600282f06",
            transitEncryption: "ENABLED",
            transitEncryptionPort: 2049,
            authorizationConfig: { accessPointId: "fsap-0bc49861ed8b2aaa1", iam: "DISABLED" },
          },
        },
      ],
      containerDefinitions: [
        {
          name: "wordpress",
          image: "wordpress:latest",
          portMappings: [{ name: "wordpress-80-tcp", containerPort: 80, appProtocol: "http" }],
          mountPoints: [{ sourceVolume: "Wordpress-convenio", containerPath: "/var/www/html", readOnly: false }],
          secrets: ["username", "password", "host", "dbname"].map((field) => ({
            name: `WORDPRESS_DB_${field === "dbname" ? "NAME" : field === "username" ? "USER" : field.toUpperCase()}`,
            valueFrom: `arn:aws:secretsmanager:eu-central-1:414131675413:secret:SecretWordpress-MRSCvF:${field}::`,
          })),
          logConfiguration: awslogs("/ecs/wordpress-convenio", "eu-central-1", {
            mode: "non-blocking",
            "awslogs-create-group": "true",
            "max-buffer-size": "25m",
          }),
        },
      ],
    },
  },
  {
    fixture: "td-console-rails-nginx-dependson-2024.json",
    family: "ass-task-def-staging",
    spec: {
      taskRoleArn: "arn:aws:iam::730335441282:role/ass-ecs-task-execution",
      executionRoleArn: "arn:aws:iam::730335441282:role/ass-ecs-task-execution",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "0.25 vCPU",
      memory: 512,
      volumes: [{ name: "sockets" }],
      containerDefinitions: [
        {
          name: "nginx",
          image: "730335441282.dkr.ecr.ap-northeast-1.amazonaws.com/ass-nginx-ecr-staging:stg",
          portMappings: [{ containerPort: 80 }],
          mountPoints: [{ sourceVolume: "sockets", containerPath: "/app/tmp/sockets" }],
          dependsOn: [{ containerName: "rails", condition: "HEALTHY" }],
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": "/ecs/ass-staging",
              "awslogs-region": "ap-northeast-1",
              "awslogs-stream-prefix": "ecs/ass-staging",
            },
          },
          healthCheck: {
            command: ["CMD-SHELL", "curl localhost:3000/api/v1/health_check", '"|| exit 1"'],
            interval: 300,
            timeout: 60,
            retries: 10,
            startPeriod: 300,
          },
        },
        {
          name: "rails",
          image: "730335441282.dkr.ecr.ap-northeast-1.amazonaws.com/ass-rails-ecr-staging:stg",
          memoryReservation: 512,
          portMappings: [{ containerPort: 3000, protocol: "tcp" }],
          entryPoint: ["/usr/bin/entrypoint.sh"],
          command: ["sh", "-c", "bundle exec puma -C config/puma.rb"],
          environment: [
            { name: "RAILS_ENV", value: "staging" },
            { name: "RAILS_LOG_TO_STDOUT", value: "true" },
            { name: "RAILS_SERVE_STATIC_FILES", value: "true" },
          ],
          mountPoints: [{ sourceVolume: "sockets", containerPath: "/app/tmp/sockets" }],
          secrets: ["db/endpoint", "db/host", "db/name", "db/password", "db/username", "rails-master-key"].map((key) => ({
            name: key === "rails-master-key" ? "RAILS_MASTER_KEY" : `DB_${key.slice(3).toUpperCase()}`,
            valueFrom: `/ass-staging/${key}`,
          })),
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": "/ecs/ass-staging",
              "awslogs-create-group": "true",
              "awslogs-region": "ap-northeast-1",
              "awslogs-stream-prefix": "ecs/ass-staging",
            },
          },
          healthCheck: {
            command: ["CMD-SHELL", "curl localhost:3000/api/v1/health_check", '"|| exit 1"'],
            interval: 300,
            timeout: 60,
            retries: 10,
            startPeriod: 300,
          },
        },
      ],
    },
  },
  {
    fixture: "td-console-firelens-nulls-ec2-2020.json",
    family: "catsdef",
    spec: {
      requiresCompatibilities: ["EC2"],
      containerDefinitions: [
        {
          name: "cats",
          image: "038445823716.dkr.ecr.ap-northeast-2.amazonaws.com/cats:latest",
          memory: 128,
          portMappings: [{ containerPort: 80 }],
          logConfiguration: {
            logDriver: "awsfirelens",
            options: {
              Name: "cloudwatch",
              region: "ap-northeast-2",
              log_group_name: "ecs-demogo-log",
              auto_create_group: "true",
              log_stream_prefix: "from-fluent-bit",
            },
          },
        },
        {
          name: "log_router",
          image: "906394416424.dkr.ecr.ap-northeast-2.amazonaws.com/aws-for-fluent-bit:latest",
          memoryReservation: 50,
          user: "0",
          firelensConfiguration: { type: "fluentbit" },
        },
      ],
    },
  },
  {
    fixture: "td-console-firelens-arm64-2024.json",
    family: "svmp-api-carrier-dev",
    spec: {
      taskRoleArn: "arn:aws:iam::842253897914:role/svmp-ecs-task-test-role",
      executionRoleArn: "arn:aws:iam::842253897914:role/svmp-ecs-task-test-role",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "1 vCPU",
      memory: "2 GB",
      runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      containerDefinitions: [
        {
          name: "log-router",
          image: "906394416424.dkr.ecr.ap-northeast-2.amazonaws.com/aws-for-fluent-bit:stable",
          memoryReservation: 50,
          user: "0",
          logConfiguration: awslogs("firelens-container", "ap-northeast-2", {
            "awslogs-create-group": "true",
            "awslogs-stream-prefix": "firelens",
          }),
          firelensConfiguration: {
            type: "fluentbit",
            options: { "config-file-type": "file", "config-file-value": "/fluent-bit/configs/parse-json.conf" },
          },
        },
        {
          name: "svmp-api-carrier-dev",
          image: "842253897914.dkr.ecr.ap-northeast-2.amazonaws.com/svmp-api-carrier:latest",
          portMappings: [{ name: "svmp-api-carrier-dev-8080-tcp", containerPort: 8080, appProtocol: "http" }],
          dockerLabels: { env: "dev" },
          logConfiguration: {
            logDriver: "awsfirelens",
            options: {
              Name: "cloudwatch",
              auto_create_group: "true",
              log_group_name: "firelens-fluent-bit",
              log_stream_prefix: "from-fluent-bit",
              region: "ap-northeast-2",
            },
          },
          healthCheck: {
            command: ["CMD-SHELL", "wget --no-verbose --tries=1 --spider localhost:8080/actuator/health || exit 1"],
            startPeriod: 10,
          },
        },
      ],
    },
  },
  {
    fixture: "td-reconstructed-windows-fargate.json",
    family: "windows-simple-iis-2019-core",
    labels: { team: "windows" },
    spec: {
      containerDefinitions: [
        {
          command: [
            "New-Item -Path C:\\inetpub\\wwwroot\\index.html -Type file -Value " +
              "'<html> <head> <title>Amazon ECS Sample App</title> <style>body " +
              "{margin-top: 40px; background-color: #333;} </style> </head><body> " +
              "<div style=color:white;text-align:center> <h1>Amazon ECS Sample " +
              "App</h1> <h2>Congratulations!</h2> <p>Your application is now running " +
              "on a container in Amazon ECS.</p>'; C:\\ServiceMonitor.exe w3svc",
          ],
          entryPoint: ["powershell", "-Command"],
          essential: true,
          cpu: 2048,
          memory: 4096,
          image: "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2019",
          name: "sample_windows_app",
          portMappings: [{ hostPort: 80, containerPort: 80, protocol: "tcp" }],
        },
      ],
      memory: "4096",
      cpu: "2048",
      networkMode: "awsvpc",
      executionRoleArn: "arn:aws:iam::012345678910:role/ecsTaskExecutionRole",
      runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2019_CORE" },
      requiresCompatibilities: ["FARGATE"],
    },
  },
];

describe("round trip: a manifest written as a user would diffs as no change against the real response", () => {
  it.each(ROUND_TRIPS)("$fixture", ({ fixture, family, spec, labels }) => {
    const live = liveFixture(fixture);
    expect(diffValues(normalizeTaskDefinition(spec), normalizeTaskDefinition(live.taskDefinition))).toEqual([]);

    // The planner agrees: adopting the revision only tags it, it never registers a new one.
    const manifest = manifestOf("TaskDefinition", family, spec, { annotations: { "ecs-gitops/adopt": "true" }, labels: labels ?? {} });
    const plan = planTaskDefinition(
      manifest,
      [
        {
          arn: live.arn ?? "arn:aws:ecs:us-east-1:123456789012:task-definition/x:1",
          revision: live.revision ?? 1,
          taskDefinition: live.taskDefinition,
          tags: live.tags,
        },
      ],
      planContext(),
    );
    expect(plan.action.type).toBe("update");
    expect(plan.action.type !== "blocked" && plan.action.calls.map((c) => c.operation)).toEqual(["ecs:TagResource"]);
    expect(plan.resolved.state).toBe("known");
  });

  it("covers every task definition fixture", () => {
    expect(ROUND_TRIPS).toHaveLength(10);
  });
});
