from django.urls import path

from hongyixing.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_new, name="new"),
    path("import/", views.enterprise_import, name="import"),
    path("<int:enterprise_id>/", views.enterprise_detail, name="enterprise"),
    path("<int:enterprise_id>/contacts/", views.contact_add, name="contact_add"),
    path("<int:enterprise_id>/filing/", views.filing_edit, name="filing_edit"),
    path("<int:enterprise_id>/staff/", views.staff_list, name="staff"),
    path("<int:enterprise_id>/claims/new/", views.claim_new, name="claim_new"),
    path("<int:enterprise_id>/problems/new/", views.problem_new, name="problem_new"),
    path("filings/", views.filing_list, name="filings"),
    path("filings/<int:filing_id>/", views.filing_detail, name="filing"),
    path("filings/<int:filing_id>/inspect/", views.filing_inspect, name="filing_inspect"),
    path("filings/<int:filing_id>/act/", views.filing_act, name="filing_act"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim"),
    path("claims/<int:claim_id>/review/", views.claim_review, name="claim_review"),
    path("payments/", views.payments, name="payments"),
    path("payments/<int:batch_id>/export.xlsx", views.payment_export, name="payment_export"),
    path("payments/<int:batch_id>/paid/", views.payment_paid, name="payment_paid"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/<int:problem_id>/", views.problem_detail, name="problem"),
]
