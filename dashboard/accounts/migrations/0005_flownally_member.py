"""Accounts can be linked to the Flownally team member they belong to (`Member`); audit
entries are found by message ID (the timeline names who sent each reply)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_manage_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="message_id",
            field=models.CharField(blank=True, db_index=True, max_length=80),
        ),
        migrations.CreateModel(
            name="Member",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "flownally_user_id",
                    models.CharField(
                        blank=True,
                        help_text="Their Flownally user ID (usr_…); blank when the account is nobody on the team (a TV).",
                        max_length=80,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^usr_[0-9A-Za-z]{10,64}\\Z",
                                "A Flownally team member's ID looks like usr_…",
                            )
                        ],
                        verbose_name="Flownally team member",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="member",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "Flownally team member",
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("flownally_user_id", ""), _negated=True),
                        fields=("flownally_user_id",),
                        name="one_account_per_flownally_member",
                        violation_error_message="This team member is already linked to another account.",
                    )
                ],
            },
        ),
    ]
