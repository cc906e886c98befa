/** Users as the API shows them (never a password hash), and the bodies that create and change them. */
import { z } from 'zod';

import { ROLES } from '../../app/accounts.js';

export const Role = z.enum(ROLES);

export const User = z
  .object({
    userId: z.string(),
    username: z.string(),
    role: z.string(),
    email: z.string().nullable(),
    fullName: z.string().nullable(),
    isActive: z.boolean(),
    preferences: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    lastLogin: z.string().nullable(),
    updatedAt: z.string().nullable(),
    slackUserId: z
      .string()
      .nullable()
      .describe('The Slack member id whose Approve/Reject buttons act as this user'),
  })
  .describe('A user');
export type User = z.infer<typeof User>;

export const UserList = z.object({
  items: z.array(User),
  nextCursor: z.string().nullable(),
});

export const CreateUserBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  role: Role,
  email: z.string().max(320).optional(),
  fullName: z.string().max(200).optional(),
});

export const UpdateUserBody = z.object({
  role: Role.optional(),
  isActive: z.boolean().optional(),
  password: z.string().min(1).max(1024).optional(),
  email: z.string().max(320).nullable().optional(),
  fullName: z.string().max(200).nullable().optional(),
  slackUserId: z
    .string()
    .max(40)
    .nullable()
    .optional()
    .describe('Map a Slack member id (`U0123ABCD`) to this user; null unmaps'),
});

/** Seed 004's user preferences; `null` clears them. */
export const Preferences = z.object({
  theme: z.string().max(50).optional(),
  timezone: z.string().max(100).optional(),
  notifications: z
    .object({
      email: z.boolean().optional(),
      push: z.boolean().optional(),
      workflowUpdates: z.boolean().optional(),
      executionAlerts: z.boolean().optional(),
    })
    .optional(),
});

export const UpdateMeBody = z.object({ preferences: Preferences.nullable() });
