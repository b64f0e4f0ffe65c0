/**
 * Identity headers on every push, pull and blob request, so `auth(req)` can read who the request
 * is for without parsing the body: the client group, and the clientID the request acts as (on a
 * push of a closed tab's leftovers, that tab's id, not the sender's).
 */

/** The client group of the request. */
export const CLIENT_GROUP_HEADER = "x-plasma-client-group"
/** The clientID the request is for. */
export const CLIENT_HEADER = "x-plasma-client"
