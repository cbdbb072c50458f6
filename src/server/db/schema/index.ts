export * from "./accounts";
export * from "./audit";
export * from "./email";
export * from "./system";
export * from "./packages";
export * from "./tokens";
export * from "./jobs";
export * from "./statistics";
