/** How pages name someone's standing in an organization (the policy's OrganizationStanding). */
export const standingLabels = { owner: "Owner", administrator: "Administrator", member: "Member" } as const;

export type Standing = keyof typeof standingLabels;
