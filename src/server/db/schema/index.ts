export * from "./accounts";
export * from "./audit";
export * from "./email";
export * from "./system";
export * from "./packages";
export * from "./sessions";
export * from "./tokens";
