/*  bs_schemas: the application's schema tables, generated from
    bs_schemas.def; see bs_schemas.h. */
#include "bs_schemas.h"

/* Item schemas are referenced by address before their definition. */
#define BS_ITEM_report (&bs_report_schema)
#define BS_ITEM_attachment (&bs_attachment_schema)
#define BS_ITEM_provenance (&bs_provenance_schema)
#define BS_ITEM_submit (&bs_submit_schema)
#define BS_ITEM_submitted (&bs_submitted_schema)
#define BS_ITEM_unit (&bs_unit_schema)
#define BS_ITEM_officer (&bs_officer_schema)
#define BS_ITEM_token (&bs_token_schema)
#define BS_ITEM_held_item (&bs_held_item_schema)
#define BS_ITEM_review_case (&bs_review_case_schema)
#define BS_ITEM_pending_item (&bs_pending_item_schema)
#define BS_ITEM_score (&bs_score_schema)
#define BS_ITEM_decide_item (&bs_decide_item_schema)
#define BS_ITEM_decide_result (&bs_decide_result_schema)
#define BS_ITEM_source (&bs_source_schema)
#define BS_ITEM_audit_entry (&bs_audit_entry_schema)
#define BS_ITEM_topic (&bs_topic_schema)
#define BS_ITEM_session_entry (&bs_session_entry_schema)
#define BS_ITEM_issue_item (&bs_issue_item_schema)
#define BS_ITEM_issue (&bs_issue_schema)
#define BS_ITEM_issue_history (&bs_issue_history_schema)
#define BS_ITEM_periodical (&bs_periodical_schema)
#define BS_ITEM_erratum (&bs_erratum_schema)
#define BS_ITEM_outbox_entry (&bs_outbox_entry_schema)
#define BS_ITEM_feedback_entry (&bs_feedback_entry_schema)
#define BS_ITEM_adopted_upward (&bs_adopted_upward_schema)
#define BS_ITEM_instruction (&bs_instruction_schema)
#define BS_ITEM_stats_row (&bs_stats_row_schema)
#define BS_ITEM_rank_row (&bs_rank_row_schema)
#define BS_ITEM_stats_changed (&bs_stats_changed_schema)
#define BS_ITEM_escalated (&bs_escalated_schema)
#define BS_ITEM_feed_item (&bs_feed_item_schema)
#define BS_ITEM_stats_score (&bs_stats_score_schema)
#define BS_ITEM_author_row (&bs_author_row_schema)
#define BS_ITEM_correction (&bs_correction_schema)
#define BS_ITEM_bulletin (&bs_bulletin_schema)
#define BS_ITEM_rules_version (&bs_rules_version_schema)
#define BS_ITEM_unit_ref (&bs_unit_ref_schema)
#define BS_ITEM_commission_unit (&bs_commission_unit_schema)
#define BS_ITEM_commission_entry (&bs_commission_entry_schema)
#define BS_ITEM_commission (&bs_commission_schema)
#define BS_ITEM_notice_read_entry (&bs_notice_read_entry_schema)
#define BS_ITEM_notice (&bs_notice_schema)
#define BS_ITEM_search_fragment (&bs_search_fragment_schema)
#define BS_ITEM_search_hit (&bs_search_hit_schema)

BS_SCHEMAS (BS_SCHEMA_DEFINE)

const bs_schema_t *const bs_schema_all[] = {BS_SCHEMAS (BS_SCHEMA_ADDRESS) NULL};

/* Known to every decoder of a program that links these tables. */
__attribute__ ((constructor)) static void
s_register (void)
{
    bs_schema_catalogue_set (bs_schema_all);
}
