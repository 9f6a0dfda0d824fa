/*  issue_compose: the commands that compose a draft issue (create, add,
    remove, move, edit_item, edit). Each is a bs_command_fn whose argument
    is the service's publication_t. */
#ifndef ISSUE_COMPOSE_H_INCLUDED
#define ISSUE_COMPOSE_H_INCLUDED

#include "issue_store.h"

int issue_compose_create (bs_request_t *request, void *argument);
int issue_compose_add (bs_request_t *request, void *argument);
int issue_compose_remove (bs_request_t *request, void *argument);
int issue_compose_move (bs_request_t *request, void *argument);
int issue_compose_edit_item (bs_request_t *request, void *argument);
int issue_compose_edit (bs_request_t *request, void *argument);

#endif
