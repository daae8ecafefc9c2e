# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's version, as sent in the User-Agent. Keep in step with galaxy.yml."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_NAME = "azure_recovery.backup"
COLLECTION_VERSION = "1.0.0"
