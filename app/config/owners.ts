/** The owner of a repository (an organization or a user): its login, and its account id where known. */
export interface OwnerRef {
  login: string;
  id?: number | undefined;
}

/** A GitHub login: letters, digits and single hyphens, at most 39 characters. */
export const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
