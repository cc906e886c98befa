/** The theme of the user's preferences (`light`, `dark`, or `system` to follow the browser). */
import { useEffect } from 'react';

import type { User } from '../api/types';

export type Theme = 'light' | 'dark' | 'system';

export function themeOf(user: User | null): Theme {
  const theme = user?.preferences?.theme;
  return theme === 'light' || theme === 'dark' ? theme : 'system';
}

export function useTheme(user: User | null): void {
  const theme = themeOf(user);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
}
