// Drives `octosim serve` with the real, unmodified @octopusdeploy/api-client 3.11.
// Run by `nox -s interop`, which installs the client and passes the server's URL and key:
//   node interop/ts_client.mjs <url> <apiKey>
// Each scenario is what a user of the client does (octopus-deployments.md §1.2, §6.1):
// - the client's own integration-test set-up, over REST: a new space, its first project
//   group and lifecycle, a project, its deployment process, an environment; then a release
//   with only ProjectName, a deployment, the waiter, and the space stopped and deleted;
// - in the preset's Default space: a project with a script step, released and deployed
//   untenanted (a passing step, a failing one, a wait that times out and cancels), deployed
//   tenanted to a tenant created over REST, and a runbook created, given a process,
//   snapshotted, published and run;
// - environments listed, read and found by name;
// - the npm `octopus-deploy` 6.3.1 CLI (classic routes): `release deploy`, then
//   `release create` and `release promote` of another project.
// Prints PASS/FAIL per check and exits 1 if any failed.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  Client,
  DeploymentProcessRepository,
  DeploymentRepository,
  EnvironmentRepository,
  LifecycleRepository,
  NewProject,
  ProjectGroupRepository,
  ProjectRepository,
  ReleaseRepository,
  RunbookProcessRepository,
  RunbookRepository,
  RunbookRunRepository,
  RunbookSnapshotRepository,
  RunCondition,
  ServerTaskWaiter,
  SpaceRepository,
  SpaceServerTaskRepository,
  TenantRepository,
  userGetCurrent,
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

// The step of the client's own integration tests: PowerShell, run on the server.
function serverStep(name) {
  const step = scriptStep(name, "Write-Host 'hello'");
  step.Properties = {};
  Object.assign(step.Actions[0].Properties, {
    "Octopus.Action.RunOnServer": "true",
    "Octopus.Action.Script.Syntax": "PowerShell",
  });
  return step;
}

async function createProject(name, script, space = spaceName, step = scriptStep("Run a Script", script)) {
  const projectGroup = (await new ProjectGroupRepository(client, space).list({ take: 1 })).Items[0];
  const lifecycle = (await new LifecycleRepository(client, space).list({ take: 1 })).Items[0];
  const project = await new ProjectRepository(client, space).create(
    NewProject(name, projectGroup, lifecycle),
  );
  const processes = new DeploymentProcessRepository(client, space);
  const deploymentProcess = await processes.get(project);
  deploymentProcess.Steps = [step];
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

async function waitFor(taskIds, timeoutMs, cancelOnTimeout, space = spaceName) {
  const seen = new Map();
  await new ServerTaskWaiter(client, space).waitForServerTasksToComplete(
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

async function taskState(taskId, space = spaceName) {
  return (await new SpaceServerTaskRepository(client, space).getById(taskId)).State;
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
  const tasks = new SpaceServerTaskRepository(client, spaceName);
  const task = await tasks.getById(taskId);
  check("successful deployment: State is Success", task.State === "Success", task.State);
  const details = await tasks.getDetails(taskId);
  const [root] = details.ActivityLogs;
  check("successful deployment: details hold the deployment's activity log",
    root?.Status === "Success" && root.Children.length > 0, `${root?.Status}, ${root?.Children.length} children`);
  const deployment = (await new DeploymentRepository(client, spaceName).list({ ids: [task.Arguments.DeploymentId] })).Items[0];
  const release = await new ReleaseRepository(client, spaceName).get(deployment.ReleaseId);
  check("successful deployment: the release reads back", release.Version === "1.0.0", release.Version);
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

// npm puts the CLI beside this script (nox copies it into the install directory). It logs
// a refusal and exits 0 on some paths, so each check reads what it printed.
async function octopusDeploy(...args) {
  const cli = fileURLToPath(new URL("./node_modules/.bin/octopus-deploy", import.meta.url));
  const { stdout } = await promisify(execFile)(cli, [
    "release", ...args, "--host", instanceURL, "--apiKey", apiKey, "--space", spaceName,
  ]);
  return stdout;
}

async function checkDeployedBy(label, stdout) {
  const deploymentId = /Deployment: (Deployments-\d+)/.exec(stdout)?.[1];
  check(`${label}: reports a deployment`, Boolean(deploymentId), deploymentId ?? stdout.trim());
  const deployments = await new DeploymentRepository(client, spaceName).list({ ids: [deploymentId], take: 1 });
  const taskId = deployments.Items[0].TaskId;
  await waitFor([taskId], 120_000, false);
  const state = await taskState(taskId);
  check(`${label}: State is Success`, state === "Success", state);
}

await scenario("octopus-deploy CLI", async () => {
  const name = `Interop ${randomUUID()}`;
  const project = await createProject(name, "echo 'deployed by octopus-deploy'");
  const stdout = await octopusDeploy("deploy", "--projectSlugOrId", project.Slug,
    "--releaseVersion", "2.0.0", "--environmentName", environmentName);
  await checkDeployedBy("octopus-deploy CLI release deploy", stdout);
});

await scenario("octopus-deploy CLI create and promote", async () => {
  const name = `Interop ${randomUUID()}`;
  const project = await createProject(name, "echo 'promoted by octopus-deploy'");
  const created = await octopusDeploy("create", "--projectSlugOrId", project.Id,
    "--releaseVersion", "3.0.0", "--packageVersion", "1.0.0", "--releaseNotes", "from npm");
  const releaseId = /Created release '(Releases-\d+)'/.exec(created)?.[1];
  check("octopus-deploy CLI release create: reports the release", Boolean(releaseId),
    releaseId ?? created.trim());
  const promoted = await octopusDeploy("promote", "--projectSlugOrId", project.Slug,
    "--releaseVersion", "3.0.0", "--environmentName", environmentName, "--comments", "promoted");
  await checkDeployedBy("octopus-deploy CLI release promote", promoted);
});

await scenario("set-up path", async () => {
  // deploymentRepository.test.js's beforeEach, test and afterEach, in order.
  const user = await userGetCurrent(client);
  const spaces = new SpaceRepository(client);
  const newSpaceName = randomUUID().substring(0, 20);
  const space = await spaces.create({
    Name: newSpaceName, SpaceManagersTeams: [], SpaceManagersTeamMembers: [user.Id], IsDefault: false,
  });
  check("set-up path: space created", space.Name === newSpaceName && /^Spaces-\d+$/.test(space.Id), space.Id);
  const project = await createProject(randomUUID(), null, newSpaceName, serverStep(randomUUID()));
  check("set-up path: project in the new space", project.SpaceId === space.Id, project.SpaceId);
  const environment = await new EnvironmentRepository(client, newSpaceName).create({ Name: randomUUID() });
  const release = await new ReleaseRepository(client, newSpaceName).create({
    spaceName: newSpaceName, ProjectName: project.Name,
  });
  check("set-up path: first release is 0.0.1", release.ReleaseVersion === "0.0.1", release.ReleaseVersion);
  const deployments = new DeploymentRepository(client, newSpaceName);
  const response = await deployments.create({
    spaceName: newSpaceName, ProjectName: project.Name, ReleaseVersion: release.ReleaseVersion,
    EnvironmentNames: [environment.Name],
  });
  const listed = await deployments.list({ ids: response.DeploymentServerTasks.map((t) => t.DeploymentId) });
  check("set-up path: one deployment listed", listed.Items.length === 1, `${listed.Items.length}`);
  const taskIds = response.DeploymentServerTasks.map((t) => t.ServerTaskId);
  await waitFor(taskIds, 120_000, false, newSpaceName);
  const state = await taskState(taskIds[0], newSpaceName);
  check("set-up path: State is Success", state === "Success", state);
  space.TaskQueueStopped = true;
  await spaces.modify(space);
  await spaces.del(space);
  const left = await spaces.list({ partialName: newSpaceName });
  check("set-up path: space deleted", left.Items.length === 0, `${left.TotalResults} left`);
});

await scenario("environments", async () => {
  const environments = new EnvironmentRepository(client, spaceName);
  const listed = await environments.list({ partialName: environmentName });
  const match = listed.Items.find((e) => e.Name === environmentName);
  check("environments: listed by partialName", Boolean(match), listed.Items.map((e) => e.Name).join(","));
  const fetched = await environments.get(match.Id);
  check("environments: read by id", fetched.Name === environmentName, fetched.Name);
  const created = await environments.create({ Name: `Interop ${randomUUID()}` });
  const found = await environments.getEnvironmentByName(created.Name.toUpperCase());
  check("environments: created, then found by name", found?.Id === created.Id, found?.Id);
});

await scenario("tenanted deployment", async () => {
  // A step on a worker: the preset's target is untenanted, so a tenanted deployment of a
  // step on its role would fail ("There must be at least one machine to deploy to…").
  const name = `Interop ${randomUUID()}`;
  const project = await createProject(name, null, spaceName, serverStep("Say hello"));
  const environment = (await new EnvironmentRepository(client, spaceName).list({ partialName: environmentName }))
    .Items.find((e) => e.Name === environmentName);
  const tenantName = `Tenant ${randomUUID()}`;
  const tenant = await new TenantRepository(client, spaceName).create({
    Name: tenantName, TenantTags: [], ProjectEnvironments: { [project.Id]: [environment.Id] },
  });
  check("tenanted deployment: tenant created", /^Tenants-\d+$/.test(tenant.Id), tenant.Id);
  const release = await new ReleaseRepository(client, spaceName).create({ spaceName, ProjectName: name });
  const deployments = new DeploymentRepository(client, spaceName);
  const response = await deployments.createTenanted({
    spaceName, ProjectName: name, ReleaseVersion: release.ReleaseVersion,
    EnvironmentName: environmentName, Tenants: [tenantName], TenantTags: [],
  });
  const [entry] = response.DeploymentServerTasks;
  const listed = await deployments.list({ ids: [entry.DeploymentId], take: 1 });
  check("tenanted deployment: deployment carries the tenant", listed.Items[0]?.TenantId === tenant.Id,
    listed.Items[0]?.TenantId);
  await waitFor([entry.ServerTaskId], 120_000, false);
  const state = await taskState(entry.ServerTaskId);
  check("tenanted deployment: State is Success", state === "Success", state);
});

await scenario("runbook run", async () => {
  const name = `Interop ${randomUUID()}`;
  const project = await createProject(name, "echo 'deployed'");
  const runbook = await new RunbookRepository(client, spaceName, project).create({
    Name: "Restart", ProjectId: project.Id, Description: "", MultiTenancyMode: "Untenanted",
    EnvironmentScope: "All", DefaultGuidedFailureMode: "EnvironmentDefault",
    RunRetentionPolicy: { QuantityToKeep: 100, ShouldKeepForever: false },
  });
  const processes = new RunbookProcessRepository(client, spaceName, project);
  const runbookProcess = await processes.get(runbook);
  runbookProcess.Steps = [scriptStep("Restart the app", "echo 'restarting'")];
  await processes.update(runbookProcess);
  const snapshot = await new RunbookSnapshotRepository(client, spaceName, project).create(runbook, "Snapshot 1", true);
  check("runbook run: snapshot published", /^RunbookSnapshots-\d+$/.test(snapshot.Id), snapshot.Id);
  const runs = new RunbookRunRepository(client, spaceName);
  const response = await runs.create({
    spaceName, ProjectName: name, RunbookName: "Restart", EnvironmentNames: [environmentName],
  });
  const [entry] = response.RunbookRunServerTasks;
  const listed = await runs.list({ ids: [entry.RunbookRunId], take: 1 });
  check("runbook run: run uses the published snapshot", listed.Items[0]?.RunbookSnapshotId === snapshot.Id,
    listed.Items[0]?.RunbookSnapshotId);
  await waitFor([entry.ServerTaskId], 120_000, false);
  const task = await new SpaceServerTaskRepository(client, spaceName).getById(entry.ServerTaskId);
  check("runbook run: a RunbookRun task ends Success", task.Name === "RunbookRun" && task.State === "Success",
    `${task.Name} ${task.State}`);
});

console.log(failures === 0 ? "interop: all checks passed" : `interop: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
