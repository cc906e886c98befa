/** Admins: the users, a form to add one, and each one's role and whether they may sign in. */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';

import { createUser, listUsers, updateUser } from '../api/client';
import type { User } from '../api/types';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useUser } from '../components/session';

const ROLES = ['admin', 'user', 'viewer'] as const;

export default function AdminUsersPage() {
  const me = useUser();
  const [users, setUsers] = useState<User[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [form, setForm] = useState({
    username: '',
    password: '',
    role: 'user',
    email: '',
    fullName: '',
  });

  const load = () => {
    listUsers().then(
      (page) => setUsers(page.items),
      (cause: unknown) => setProblem(messageOf(cause)),
    );
  };
  useEffect(load, []);

  if (me.role !== 'admin') {
    return (
      <section>
        <PageHeading title="Users" />
        <p className="refusal">Only admins manage users.</p>
      </section>
    );
  }

  const add = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const created = await createUser({
        username: form.username.trim(),
        password: form.password,
        role: form.role,
        ...(form.email.trim() ? { email: form.email.trim() } : {}),
        ...(form.fullName.trim() ? { fullName: form.fullName.trim() } : {}),
      });
      setForm({ username: '', password: '', role: 'user', email: '', fullName: '' });
      setProblem(null);
      setStatus(`Added ${created.username}.`);
      load();
    } catch (cause) {
      setProblem(`Not added: ${messageOf(cause)}`);
    }
  };

  const change = async (user: User, body: { role?: string; isActive?: boolean }) => {
    // Shown at once; the reload after the answer (or a failure) puts the server's word back.
    setUsers(
      (list) => list?.map((u) => (u.userId === user.userId ? { ...u, ...body } : u)) ?? null,
    );
    try {
      await updateUser(user.userId, body);
      setStatus(`Changed ${user.username}.`);
      load();
    } catch (cause) {
      setProblem(`Not changed: ${messageOf(cause)}`);
      load();
    }
  };

  const field = (name: keyof typeof form, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`new-${name}`}>{label}</label>
      <input
        id={`new-${name}`}
        type={type}
        value={form[name]}
        onChange={(event) => setForm((f) => ({ ...f, [name]: event.target.value }))}
      />
    </div>
  );

  return (
    <section>
      <PageHeading title="Users" />
      <div role="alert">{problem ? <p className="error">{problem}</p> : null}</div>
      <p role="status">{status}</p>
      {users === null ? (
        <p role="status">Loading…</p>
      ) : (
        <table>
          <caption className="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">May sign in</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.userId} data-user={user.username}>
                <th scope="row">
                  {user.username}
                  {user.fullName ? <span className="hint"> ({user.fullName})</span> : null}
                </th>
                <td>{user.email ?? '—'}</td>
                <td>
                  <select
                    aria-label={`Role of ${user.username}`}
                    value={user.role}
                    disabled={user.userId === me.userId}
                    onChange={(event) => void change(user, { role: event.target.value })}
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${user.username} may sign in`}
                    checked={user.isActive}
                    disabled={user.userId === me.userId}
                    onChange={(event) => void change(user, { isActive: event.target.checked })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Add a user</h2>
      <form onSubmit={(event) => void add(event)}>
        {field('username', 'Username')}
        {field('password', 'Password (8 characters or more)', 'password')}
        <div className="field">
          <label htmlFor="new-role">Role</label>
          <select
            id="new-role"
            value={form.role}
            onChange={(event) => setForm((f) => ({ ...f, role: event.target.value }))}
          >
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </div>
        {field('fullName', 'Full name (optional)')}
        {field('email', 'Email (optional)', 'email')}
        <button type="submit" className="primary">
          Add user
        </button>
      </form>
    </section>
  );
}
