// Compose names containers `<project>-<service>-<n>` (`_` with Compose v1): the service a container belongs to,
// read from its name, for progress lines and the failure diagnosis alike.
export function serviceFromContainer(container: string, project: string | undefined): string {
  const bare = container.replace(/^\//, '');
  const name = project && bare.startsWith(`${project}-`) ? bare.slice(project.length + 1) : bare;
  return name.replace(/[-_]\d+$/, '');
}
