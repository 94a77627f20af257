// Mesos's sandbox file endpoints (/files/browse, /files/read, /files/download, /files/debug).

export { createFilesApp, filesBrowseEntriesMax, filesReadBytesMaxDefault, type FileInfoJson, type FilesAppOptions } from "./files-app.ts";
export { AttachedPaths, attachedPathsMax } from "./attached-paths.ts";
export { resolveRequestPath, type AttachedPath, type Resolved } from "./resolve.ts";
