/*  registry_units: the units that report (報送單位): their levels and
    kinds, the hierarchy (a unit under a parent of a level not below its
    own, with no loop), registry.unit_put, registry.unit_add and
    registry.unit_list; see registry_internal.h. */
#include "registry_internal.h"

#include <stdio.h>
#include <string.h>

#include "bs_log.h"
#include "bs_store.h"
#include "bs_text.h"

static const char *const s_levels[] = {"township", "county", "city", "province", NULL};
static const char *const s_unit_kinds[] = {"department", "section", "key_unit", NULL};

static const registry_record_kind_t s_unit_kind = {.database = "units",
                                                   .schema = &bs_unit_schema,
                                                   .noun = "unit",
                                                   .unregistered_hint = " (baosong unit add)",
                                                   .disabled_key = "disabled"};

int
registry_unit_get (bs_service_t *service, MDB_txn *txn, const char *name, bs_unit_t *unit)
{
    return registry_record_get (service, txn, &s_unit_kind, name, unit);
}

/* Every submit asks this: the stored record's "disabled" read where it
   lies, not the whole record decoded for one flag. */
int
registry_unit_enabled (bs_service_t *service, MDB_txn *txn, const char *name, const char *field,
                       bs_error_t *error)
{
    if (bs_text_blank (name))
        return bs_error_set (error, BS_E_INVALID, field, "%s is empty", field);
    return registry_record_enabled (service, txn, &s_unit_kind, name, field, NULL, error);
}

/* Whether putting unit under parent would make a loop. */
static int
s_unit_parent_check (bs_request_t *request, const bs_unit_t *unit)
{
    bs_service_t *service = request->service;
    int level = registry_index_of (s_levels, unit->level);
    char parent_name[BS_UNIT_MAX + 1];
    snprintf (parent_name, sizeof parent_name, "%s", unit->parent);
    for (int depth = 0; depth < 16; depth++) {
        if (strcmp (parent_name, unit->name) == 0)
            return bs_request_refuse (request, BS_E_INVALID, "parent", "loop",
                                      "unit '%s' cannot be under itself", unit->name);
        bs_unit_t parent;
        int rc = registry_unit_get (service, request->txn, parent_name, &parent);
        if (rc == BS_E_NOT_FOUND)
            return depth == 0 ? bs_request_fail (request, BS_E_NOT_FOUND, "parent",
                                                 "parent unit '%s' is not registered", parent_name)
                              : BS_OK;
        if (rc != BS_OK)
            return rc;
        int parent_level = registry_index_of (s_levels, parent.level);
        bool has_parent = parent.parent && *parent.parent;
        if (has_parent)
            snprintf (parent_name, sizeof parent_name, "%s", parent.parent);
        bs_codec_record_free (&bs_unit_schema, &parent);
        if (depth == 0 && parent_level < level)
            return bs_request_refuse (request, BS_E_INVALID, "parent", "level_order",
                                      "a %s unit cannot be under a %s unit", unit->level,
                                      s_levels[parent_level < 0 ? 0 : parent_level]);
        if (!has_parent)
            return BS_OK;
    }
    return bs_request_refuse (request, BS_E_INVALID, "parent", "too_deep",
                              "the unit hierarchy is too deep (16 units above a unit at most)");
}

/* Put unit (a put's or an add's): checked, stored and on the log. */
static int
s_unit_put (bs_request_t *request, bs_unit_t unit)
{
    if (bs_text_blank (unit.name))
        return bs_request_fail (request, BS_E_INVALID, "name", "name is empty");
    if (registry_index_of (s_levels, unit.level) < 0)
        return bs_request_fail (request, BS_E_INVALID, "level",
                                "unknown level '%s'; known: township, county, city, province",
                                unit.level);
    if (!unit.kind || !*unit.kind)
        unit.kind = "department";
    if (registry_index_of (s_unit_kinds, unit.kind) < 0)
        return bs_request_fail (request, BS_E_INVALID, "kind",
                                "unknown kind '%s'; known: department, section, key_unit",
                                unit.kind);
    if (unit.parent && *unit.parent) {
        int rc = s_unit_parent_check (request, &unit);
        if (rc != BS_OK)
            return rc;
    }
    int rc = bs_store_put_record_by_name (request->txn, bs_service_dbi (request->service, "units"),
                                          unit.name, &bs_unit_schema, &unit);
    /* On the log too, so statistics knows every unit, also those that never
       report. */
    if (rc == BS_OK)
        rc = bs_service_emit (request->service, request->txn, &bs_unit_schema, &unit, request->now);
    if (rc != BS_OK)
        return rc;
    bs_log_info ("unit %s (%s, %s) registered", unit.name, unit.level, unit.kind);
    return bs_request_reply (request, &bs_unit_schema, &unit);
}

int
registry_on_unit_put (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_admin_only (request);
    if (allowed != BS_OK)
        return allowed;
    return s_unit_put (request, *(bs_unit_t *) request->message->data);
}

int
registry_on_unit_add (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_admin_only (request);
    if (allowed != BS_OK)
        return allowed;
    const bs_unit_add_t *add = request->message->data;
    bs_unit_t unit = {.name = add->name,
                      .parent = add->parent,
                      .level = add->level,
                      .kind = add->kind,
                      .disabled = add->disabled};
    bs_unit_t old;
    int rc = registry_unit_get (request->service, request->txn, unit.name, &old);
    if (rc == BS_OK) {
        bs_codec_record_free (&bs_unit_schema, &old);
        return bs_request_refuse (request, BS_E_CONFLICT, "name", "taken",
                                  "a unit named '%s' exists (registry.unit_put changes it)",
                                  unit.name);
    }
    if (rc != BS_E_NOT_FOUND)
        return rc;
    return s_unit_put (request, unit);
}

static bool
s_unit_under (const void *record, const void *query)
{
    const bs_unit_t *unit = record;
    const char *parent = query;
    return !parent || !*parent || (unit->parent && strcmp (unit->parent, parent) == 0);
}

int
registry_on_unit_list (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_unit_list_t *query = request->message->data;
    bs_unit_page_t page = {0};
    int rc = bs_store_page_by_name (
        request->txn, bs_service_dbi (request->service, "units"), &bs_unit_schema, query->after,
        query->limit ? query->limit : 100, s_unit_under, query->parent, &page.units, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_unit_page_schema, &page);
    bs_codec_record_free (&bs_unit_page_schema, &page);
    return rc;
}
