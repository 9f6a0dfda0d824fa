/*  reports: stored reports and their keys; see reports.h. */
#include "reports.h"

#include "bs_store.h"
#include "databases.h"

size_t
intake_key (unsigned char key[16], uint64_t id, int parts, uint64_t a, uint64_t b)
{
    bs_store_key (id, key);
    uint64_t values[2] = {a, b};
    for (int part = 0; part < parts && part < 2; part++)
        for (int i = 0; i < 4; i++)
            key[8 + 4 * part + i] = (unsigned char) (values[part] >> (24 - 8 * i));
    return 8 + 4 * (size_t) (parts < 2 ? parts : 2);
}

int
intake_report_load (bs_service_t *service, MDB_txn *txn, uint64_t report_id, uint64_t version,
                    bs_report_t *report)
{
    int rc = bs_store_get_record (txn, intake_dbi (service, INTAKE_DB_REPORTS), report_id,
                                  &bs_report_schema, report);
    if (rc != BS_OK || version == 0 || version == (report->version ? report->version : 1))
        return rc;
    bs_codec_record_free (&bs_report_schema, report);
    unsigned char key[16];
    MDB_val mkey = {intake_key (key, report_id, 1, version, 0), key}, value;
    rc = mdb_get (txn, intake_dbi (service, INTAKE_DB_VERSIONS), &mkey, &value);
    if (rc)
        return rc == MDB_NOTFOUND ? BS_E_NOT_FOUND : bs_store_error (rc, "read a version");
    return bs_codec_decode_record (value.mv_data, value.mv_size, &bs_report_schema,
                                   &bs_codec_default_limits, report, NULL);
}

int
intake_report_read (const bs_principal_t *principal, bs_service_t *service, MDB_txn *txn,
                    uint64_t report_id, uint64_t version, bs_report_t *report, const char **missing)
{
    *missing = "report_id";
    int rc = intake_report_load (service, txn, report_id, 0, report);
    if (rc != BS_OK)
        return rc;
    if (!bs_principal_sees (principal, report->unit, INTAKE_READS_EVERY_UNIT)) {
        bs_codec_record_free (&bs_report_schema, report);
        return BS_E_NOT_FOUND;
    }
    if (version == 0 || version == (report->version ? report->version : 1))
        return BS_OK;
    bs_codec_record_free (&bs_report_schema, report);
    *missing = "version";
    return intake_report_load (service, txn, report_id, version, report);
}
