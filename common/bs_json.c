/*  bs_json: schema-driven JSON <-> record; see bs_json.h. */
#include "bs_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bs_codec.h"

static json_t *
s_number (uint64_t value)
{
    /* jansson integers are signed 64-bit; larger values keep their digits
       as a string rather than wrapping to a negative number. */
    if (value <= (uint64_t) INT64_MAX)
        return json_integer ((json_int_t) value);
    char digits[24];
    snprintf (digits, sizeof digits, "%llu", (unsigned long long) value);
    return json_string (digits);
}

static json_t *
s_field_to_json (const bs_field_t *field, const void *member)
{
    switch (field->type) {
    case BS_FIELD_STR: {
        const char *text = *(char *const *) member;
        /* Decoded strings are valid UTF-8; a NULL one is an absent optional. */
        return text ? json_string (text) : json_null ();
    }
    case BS_FIELD_U64:
        return s_number (*(const uint64_t *) member);
    case BS_FIELD_BOOL:
        return json_boolean (*(const bool *) member);
    case BS_FIELD_U64_LIST: {
        const bs_u64_list_t *list = member;
        json_t *array = json_array ();
        for (size_t i = 0; i < list->count; i++)
            json_array_append_new (array, s_number (list->items[i]));
        return array;
    }
    case BS_FIELD_BIN: {
        const bs_bytes_t *bytes = member;
        size_t length = sodium_base64_encoded_len (bytes->size, sodium_base64_VARIANT_ORIGINAL);
        char *text = malloc (length);
        if (!text)
            return json_null ();
        sodium_bin2base64 (text, length, bytes->data, bytes->size, sodium_base64_VARIANT_ORIGINAL);
        json_t *string = json_string (text);
        free (text);
        return string;
    }
    case BS_FIELD_LIST: {
        const bs_list_t *list = member;
        json_t *array = json_array ();
        for (size_t i = 0; i < list->count && field->item; i++) {
            const char *item = (const char *) list->items + i * field->item->record_size;
            json_array_append_new (array, bs_json_from_record (field->item, item));
        }
        return array;
    }
    }
    return json_null ();
}

json_t *
bs_json_from_record (const bs_schema_t *schema, const void *record)
{
    json_t *object = json_object ();
    if (!object)
        return NULL;
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        json_t *value = s_field_to_json (field, (const char *) record + field->offset);
        json_object_set_new (object, field->name, value ? value : json_null ());
    }
    return object;
}

json_t *
bs_json_error (const bs_error_t *error)
{
    return json_pack ("{s:{s:s, s:s?, s:s, s:s*, s:o*}}", "error", "code",
                      bs_error_name (error->code), "field", error->field[0] ? error->field : NULL,
                      "message", error->text[0] ? error->text : bs_error_name (error->code),
                      "reason", error->reason[0] ? error->reason : NULL, "line",
                      error->line ? json_integer (error->line) : NULL);
}

/* A number (or a string of digits) within the field's limits. */
static int
s_u64_from_json (const json_t *value, const bs_field_t *field, const char *path, uint64_t *out,
                 bs_error_t *error)
{
    uint64_t number = 0;
    if (json_is_integer (value)) {
        json_int_t signed_number = json_integer_value (value);
        if (signed_number < 0)
            return bs_error_set (error, BS_E_INVALID, path, "%s must not be negative", path);
        number = (uint64_t) signed_number;
    } else if (json_is_string (value)) {
        const char *text = json_string_value (value);
        char *end;
        if (!*text || strspn (text, "0123456789") != strlen (text) || strlen (text) > 20)
            return bs_error_set (error, BS_E_INVALID, path, "%s must be a number", path);
        number = strtoull (text, &end, 10);
    } else
        return bs_error_set (error, BS_E_INVALID, path, "%s must be a number", path);
    if (field->type == BS_FIELD_U64 && (number < field->min || number > field->max))
        return bs_error_set (error, BS_E_INVALID, path, "%s must be between %llu and %llu", path,
                             (unsigned long long) field->min, (unsigned long long) field->max);
    *out = number;
    return BS_OK;
}

static int s_object_to_record (const json_t *object, const bs_schema_t *schema, const char *prefix,
                               void *record, bs_error_t *error);

static int
s_count_check (const json_t *value, const bs_field_t *field, const char *path, bs_error_t *error)
{
    if (!json_is_array (value))
        return bs_error_set (error, BS_E_INVALID, path, "%s must be an array", path);
    size_t count = json_array_size (value);
    if (count < field->min || count > field->max)
        return bs_error_set (error, BS_E_INVALID, path, "%s must have %llu to %llu elements", path,
                             (unsigned long long) field->min, (unsigned long long) field->max);
    return BS_OK;
}

static int
s_field_from_json (const json_t *value, const bs_field_t *field, const char *path, void *member,
                   bs_error_t *error)
{
    switch (field->type) {
    case BS_FIELD_STR: {
        if (!json_is_string (value))
            return bs_error_set (error, BS_E_INVALID, path, "%s must be a string", path);
        size_t length = json_string_length (value);
        const char *text = json_string_value (value);
        if (strlen (text) != length)
            return bs_error_set (error, BS_E_INVALID, path, "%s holds a NUL character", path);
        if (length < field->min)
            return bs_error_set (error, BS_E_INVALID, path, "%s is empty", path);
        if (length > field->max)
            return bs_error_set (error, BS_E_INVALID, path,
                                 "%s is too long (%zu bytes, at most %llu)", path, length,
                                 (unsigned long long) field->max);
        /* jansson only produces valid UTF-8, but a json_t may be built by hand. */
        if (!bs_codec_utf8_valid (text, length))
            return bs_error_set (error, BS_E_INVALID, path, "%s is not valid UTF-8", path);
        if (!(*(char **) member = strdup (text)))
            return bs_error_set (error, BS_E_SYSTEM, path, "out of memory");
        return BS_OK;
    }
    case BS_FIELD_U64:
        return s_u64_from_json (value, field, path, (uint64_t *) member, error);
    case BS_FIELD_BOOL:
        if (!json_is_boolean (value))
            return bs_error_set (error, BS_E_INVALID, path, "%s must be true or false", path);
        *(bool *) member = json_is_true (value);
        return BS_OK;
    case BS_FIELD_U64_LIST: {
        int rc = s_count_check (value, field, path, error);
        if (rc != BS_OK)
            return rc;
        bs_u64_list_t *list = member;
        size_t count = json_array_size (value);
        if (count == 0)
            return BS_OK;
        if (!(list->items = calloc (count, sizeof (uint64_t))))
            return bs_error_set (error, BS_E_SYSTEM, path, "out of memory");
        list->count = count;
        for (size_t i = 0; i < count; i++) {
            char item_path[BS_ERROR_FIELD_MAX];
            snprintf (item_path, sizeof item_path, "%s[%zu]", path, i);
            rc = s_u64_from_json (json_array_get (value, i), field, item_path, &list->items[i],
                                  error);
            if (rc != BS_OK)
                return rc;
        }
        return BS_OK;
    }
    case BS_FIELD_LIST: {
        int rc = s_count_check (value, field, path, error);
        if (rc != BS_OK)
            return rc;
        bs_list_t *list = member;
        size_t count = json_array_size (value);
        if (count == 0)
            return BS_OK;
        if (!(list->items = calloc (count, field->item->record_size)))
            return bs_error_set (error, BS_E_SYSTEM, path, "out of memory");
        list->count = count;
        for (size_t i = 0; i < count; i++) {
            char item_path[BS_ERROR_FIELD_MAX];
            snprintf (item_path, sizeof item_path, "%s[%zu]", path, i);
            rc = s_object_to_record (json_array_get (value, i), field->item, item_path,
                                     (char *) list->items + i * field->item->record_size, error);
            if (rc != BS_OK)
                return rc;
        }
        return BS_OK;
    }
    case BS_FIELD_BIN: {
        if (!json_is_string (value))
            return bs_error_set (error, BS_E_INVALID, path, "%s must be a base64 string", path);
        const char *text = json_string_value (value);
        size_t length = json_string_length (value);
        size_t capacity = length / 4 * 3 + 3;
        bs_bytes_t *bytes = member;
        if (length == 0)
            return BS_OK;
        if (!(bytes->data = malloc (capacity)))
            return bs_error_set (error, BS_E_SYSTEM, path, "out of memory");
        const char *end = NULL;
        if (sodium_base642bin (bytes->data, capacity, text, length, " \r\n", &bytes->size, &end,
                               sodium_base64_VARIANT_ORIGINAL)
                != 0
            || (end && *end))
            return bs_error_set (error, BS_E_INVALID, path, "%s is not valid base64", path);
        if (bytes->size < field->min || bytes->size > field->max)
            return bs_error_set (error, BS_E_INVALID, path, "%s must hold %llu to %llu bytes", path,
                                 (unsigned long long) field->min, (unsigned long long) field->max);
        return BS_OK;
    }
    }
    return bs_error_set (error, BS_E_INVALID, path, "%s has an unknown type", path);
}

static int
s_object_to_record (const json_t *object, const bs_schema_t *schema, const char *prefix,
                    void *record, bs_error_t *error)
{
    if (!json_is_object (object))
        return bs_error_set (error, BS_E_INVALID, prefix, "%s must be a JSON object",
                             *prefix ? prefix : "the body");
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *) object, key, value)
    {
        if (!bs_schema_field (schema, key)) {
            char path[BS_ERROR_FIELD_MAX];
            snprintf (path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
            return bs_error_set (error, BS_E_INVALID, path, "unknown field '%s'", path);
        }
    }
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        char path[BS_ERROR_FIELD_MAX];
        snprintf (path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", field->name);
        value = json_object_get (object, field->name);
        if (!value || json_is_null (value)) {
            if (field->required)
                return bs_error_set (error, BS_E_INVALID, path, "%s is required", path);
            continue;
        }
        int rc = s_field_from_json (value, field, path, (char *) record + field->offset, error);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

int
bs_json_to_record (const json_t *object, const bs_schema_t *schema, void *record, bs_error_t *error)
{
    bs_error_clear (error);
    memset (record, 0, schema->record_size);
    int rc = s_object_to_record (object, schema, "", record, error);
    if (rc != BS_OK)
        bs_codec_record_free (schema, record);
    return rc;
}
