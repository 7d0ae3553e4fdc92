// Drives `octosim serve` with the real, unmodified @octopusdeploy/api-client 3.11.
// Run by `nox -s interop`, which installs the client and passes the server's URL and key:
//   node interop/ts_client.mjs <url> <apiKey>
// Sets up a project the way the client's own integration tests do (first project group and
// lifecycle, POST project, PUT its deployment process), then releases and deploys it
// untenanted and waits with ServerTaskWaiter; then has the npm `octopus-deploy` 6.3.1 CLI
// (classic routes) release and deploy another project. Prints PASS/FAIL per check and
// exits 1 if any failed.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  Client,
  DeploymentProcessRepository,
  DeploymentRepository,
  LifecycleRepository,
  NewProject,
  ProjectGroupRepository,
  ProjectRepository,
  ReleaseRepository,
  RunCondition,
  ServerTaskWaiter,
  SpaceServerTaskRepository,
} from "@octopusdeploy/api-client";

const [instanceURL, apiKey] = process.argv.slice(2);
if (!instanceURL || !apiKey) {
  console.error("usage: node interop/ts_client.mjs <octosim URL> <API key>");
  process.exit(2);
}
const spaceName = "Default";
const environmentName = "Development"; // the linux preset's environment (app-01, role app-server)
const client = await Client.create({ instanceURL, apiKey, userAgentApp: "octosim-interop" });

function scriptStep(name, body) {
  return {
    Id: "",
    Name: name,
    Condition: RunCondition.Success,
    PackageRequirement: "LetOctopusDecide",
    StartTrigger: "StartAfterPrevious",
    Properties: { "Octopus.Action.TargetRoles": "app-server" },
    Actions: [
      {
        Id: "",
        Name: name,
        ActionType: "Octopus.Script",
        Notes: null,
        IsDisabled: false,
        CanBeUsedForProjectVersioning: false,
        IsRequired: false,
        WorkerPoolId: null,
        WorkerPoolVariable: "",
        Container: { FeedId: null, Image: null },
        Environments: [],
        ExcludedEnvironments: [],
        Channels: [],
        TenantTags: [],
        Packages: [],
        Condition: RunCondition.Success,
        Properties: {
          "Octopus.Action.RunOnServer": "false",
          "Octopus.Action.Script.ScriptSource": "Inline",
          "Octopus.Action.Script.Syntax": "Bash",
          "Octopus.Action.Script.ScriptBody": body,
        },
        Links: {},
      },
    ],
  };
}

async function createProject(name, script) {
  const projectGroup = (await new ProjectGroupRepository(client, spaceName).list({ take: 1 })).Items[0];
  const lifecycle = (await new LifecycleRepository(client, spaceName).list({ take: 1 })).Items[0];
  const project = await new ProjectRepository(client, spaceName).create(
    NewProject(name, projectGroup, lifecycle),
  );
  const processes = new DeploymentProcessRepository(client, spaceName);
  const deploymentProcess = await processes.get(project);
  deploymentProcess.Steps = [scriptStep("Run a Script", script)];
  await processes.update(project, deploymentProcess);
  return project;
}

async function releaseAndDeploy(projectName) {
  const release = await new ReleaseRepository(client, spaceName).create({
    spaceName,
    ProjectName: projectName,
    ReleaseVersion: "1.0.0",
  });
  const deployment = await new DeploymentRepository(client, spaceName).create({
    spaceName,
    ProjectName: projectName,
    ReleaseVersion: release.ReleaseVersion,
    EnvironmentNames: [environmentName],
  });
  return deployment.DeploymentServerTasks.map((t) => t.ServerTaskId);
}

async function waitFor(taskIds, timeoutMs, cancelOnTimeout) {
  const seen = new Map();
  await new ServerTaskWaiter(client, spaceName).waitForServerTasksToComplete(
    taskIds,
    500,
    timeoutMs,
    (task) => seen.set(task.Id, task.State),
    cancelOnTimeout,
  );
  return seen;
}

let failures = 0;
function check(label, ok, detail) {
  console.log(`${ok ? "PASS" : "FAIL"} ${label}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures += 1;
}

async function scenario(label, body) {
  try {
    await body();
  } catch (error) {
    check(label, false, `${error.constructor.name}: ${error.message}`);
  }
}

await scenario("successful deployment", async () => {
  const name = `Interop ${randomUUID()}`;
  await createProject(name, "echo 'hello from octosim'");
  const [taskId] = await releaseAndDeploy(name);
  const states = await waitFor([taskId], 120_000, false);
  check("successful deployment: waiter saw the task", states.has(taskId));
  const task = await new SpaceServerTaskRepository(client, spaceName).getById(taskId);
  check("successful deployment: State is Success", task.State === "Success", task.State);
});

await scenario("failing step", async () => {
  const name = `Interop ${randomUUID()}`;
  await createProject(name, "echo 'about to fail'; exit 3");
  const [taskId] = await releaseAndDeploy(name);
  await waitFor([taskId], 120_000, false);
  const task = await new SpaceServerTaskRepository(client, spaceName).getById(taskId);
  check("failing step: State is Failed", task.State === "Failed", task.State);
});

await scenario("timeout", async () => {
  const name = `Interop ${randomUUID()}`;
  await createProject(name, "sleep 600");
  const [taskId] = await releaseAndDeploy(name);
  let message = "";
  try {
    await waitFor([taskId], 3_000, true);
  } catch (error) {
    message = error.message;
  }
  check("timeout: waiter throws", message.startsWith("Timeout reached"), message);
  const task = await new SpaceServerTaskRepository(client, spaceName).getById(taskId);
  check("timeout: task cancelled", ["Cancelling", "Canceled"].includes(task.State), task.State);
});

await scenario("octopus-deploy CLI", async () => {
  const name = `Interop ${randomUUID()}`;
  const project = await createProject(name, "echo 'deployed by octopus-deploy'");
  // npm puts the CLI beside this script (nox copies it into the install directory).
  const cli = fileURLToPath(new URL("./node_modules/.bin/octopus-deploy", import.meta.url));
  const { stdout } = await promisify(execFile)(cli, [
    "release", "deploy", "--host", instanceURL, "--apiKey", apiKey, "--space", spaceName,
    "--projectSlugOrId", project.Slug, "--releaseVersion", "2.0.0",
    "--environmentName", environmentName,
  ]);
  const deploymentId = /Deployment: (Deployments-\d+)/.exec(stdout)?.[1];
  check("octopus-deploy CLI: release deploy reports a deployment", Boolean(deploymentId),
    deploymentId ?? stdout.trim());
  const deployments = await new DeploymentRepository(client, spaceName).list({ ids: [deploymentId], take: 1 });
  const taskId = deployments.Items[0].TaskId;
  await waitFor([taskId], 120_000, false);
  const task = await new SpaceServerTaskRepository(client, spaceName).getById(taskId);
  check("octopus-deploy CLI: State is Success", task.State === "Success", task.State);
});

console.log(failures === 0 ? "interop: all checks passed" : `interop: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
